import BlockingIO
import JSONValue
import LocalRunner
import Postgres
import Settings
import Testing

extension DashboardSuites {
    /// The dashboard's benchmark (off by default; prints numbers):
    ///
    ///     CCR_DASHBOARD_BENCH=1 .build/debug/ccr-local with-services -- swift test --skip-build --filter DashboardBenchmark
    ///
    /// Optional: CCR_DASHBOARD_BENCH_LATENCY (default 200 events), CCR_DASHBOARD_BENCH_RATE
    /// (default 100 events/s), CCR_DASHBOARD_BENCH_SECONDS (default 10), CCR_DASHBOARD_BENCH_PROFILE=1
    /// (print the page's JavaScript functions by self time during the load phase).
    ///
    /// Starts the system from the debug binaries (as the browser tests do), seeds one company
    /// with 1,000 creators (initial load) and one with 500 (latency and load), signs the webhooks
    /// with SignedDelivery, and runs `browser/dashboard_bench.py` in headless Chromium.
    @Suite(.enabled(if: Environment().optional("CCR_DASHBOARD_BENCH") == "1" && BrowserScript.available,
                    "set CCR_DASHBOARD_BENCH=1 (needs python3 + selenium and chromium)"))
    struct DashboardBenchmark {
        @Test func latencyAndMainThreadUnderLoad() async throws {
            let environment = Environment()
            let latencyCount = try environment.int("CCR_DASHBOARD_BENCH_LATENCY", default: 200, range: 1...10_000)
            let rate = try environment.int("CCR_DASHBOARD_BENCH_RATE", default: 100, range: 1...5_000)
            let seconds = try environment.int("CCR_DASHBOARD_BENCH_SECONDS", default: 10, range: 1...600)
            let system = try await LocalSystem.start(label: "bench")
            do {
                let large = try await seed(system, name: "Bench Large", creators: 1_000, firstTwitchID: 300_000_000)
                let busy = try await seed(system, name: "Bench Busy", creators: 500, firstTwitchID: 400_000_000)
                let largeToken = try await system.token(company: large.company, role: "viewer", user: "bench-large@example.com")
                let busyToken = try await system.token(company: busy.company, role: "viewer", user: "bench-busy@example.com")

                var latency: [JSONValue] = []
                for index in 0..<latencyCount {
                    latency.append(system.titleChange(busy.creators[index % busy.creators.count], title: "lat-\(index)"))
                }
                // The load mix: follows, cheers, raids, title changes (timed), and a few go-live/offline.
                var load: [JSONValue] = []
                var baseline: [JSONValue] = []
                var loadTitles: [String: JSONValue] = [:]
                for index in 0..<(rate * seconds) {
                    baseline.append(system.follow(busy.creators[(index * 7) % busy.creators.count], follower: "baseline\(index)"))
                    let creator = busy.creators[(index * 7) % busy.creators.count]
                    switch index % 10 {
                    case 0, 5:
                        let title = "load-\(index)"
                        loadTitles[String(index)] = .string(title)
                        load.append(system.titleChange(creator, title: title))
                    case 1, 4, 7: load.append(system.follow(creator, follower: "fan\(index)"))
                    case 2, 8: load.append(system.cheer(creator, user: "cheerer\(index)", bits: 100 + index, message: "gg"))
                    case 3: load.append(system.raid(to: creator, from: "raider\(index)", viewers: index))
                    case 6: load.append(index % 20 == 6 ? system.online(creator) : system.offline(creator))
                    default: load.append(system.follow(creator, follower: "viewer\(index)"))
                    }
                }
                let config: JSONValue = [
                    "dashboardUrl": .string(system.dashboardURL), "mode": .string(system.dashboardMode),
                    "large": ["token": .string(largeToken), "creators": .int(Int64(large.creators.count))],
                    "busy": ["token": .string(busyToken), "creators": .int(Int64(busy.creators.count))],
                    "latency": .array(latency), "load": .array(load), "loadTitles": .object(loadTitles), "rate": .int(Int64(rate)),
                    "baseline": .array(baseline), "profile": .bool(environment.optional("CCR_DASHBOARD_BENCH_PROFILE") == "1"),
                ]
                let script = try BrowserScript(script: "dashboard_bench.py", config: config)
                let records = await script.run(timeoutSeconds: 900)
                let summary = BrowserScript.summarize(records, label: "bench")
                #expect(summary.finished, "the benchmark did not finish:\n\(script.transcript.suffix(4000))")
                #expect(summary.failures.isEmpty, "\(summary.failures.joined(separator: "\n"))")
            } catch {
                await system.stop()
                throw error
            }
            await system.stop()
        }

        /// Many creators at once through the owner role in the company's tenant scope (the CLI
        /// would take a process per creator).
        private func seed(_ system: LocalSystem, name: String, creators count: Int, firstTwitchID: Int) async throws
            -> (company: String, creators: [TestCreator])
        {
            let company = try await system.createCompany(name)
            let connection = try PostgresConnection(url: system.runtime["DATABASE_ADMIN_URL"]!)
            let rows = try connection.withTenantScope(companyId: company) {
                try connection.query("""
                    INSERT INTO creators (company_id, twitch_user_id, login, display_name)
                    SELECT $1::uuid, ($2::bigint + g)::text, 'bench_creator_' || g, 'Bench Creator ' || g
                    FROM generate_series(1, $3::int) AS g
                    RETURNING id, twitch_user_id, login, display_name
                    """, [company, firstTwitchID, count]).rows
            }
            let creators = rows.map { row in
                TestCreator(id: row["id"] ?? "", twitchUserID: row["twitch_user_id"] ?? "", login: row["login"] ?? "",
                            displayName: row["display_name"] ?? "")
            }
            return (company, creators)
        }
    }
}
