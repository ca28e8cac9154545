import NIOHTTP1
import Files
import AsyncHTTPClient
import BlockingIO
import EventSub
public import Logging
import Postgres
import NIOCore
import Processes
import Settings
import StructuredLogging

/// `local-runner/run bench webhook`: pre-signed notifications of a realistic traffic shape
/// (`TrafficShape`: many agencies, shared broadcasters, a hot channel, an event mix) through the
/// router (or straight to the function) into Postgres (synchronous commit, fsync on) and Redis.
/// Per shape: accepted events/s and latency at a fixed concurrency (closed loop), latency from the
/// scheduled send time at a fixed rate (open loop: on the warmed system, and again right after the
/// closed loop), and whether every accepted event was stored
/// once per tracking company; once, the webhook function's cold start. `--table` runs the matrix
/// of `tableCompanies` x `tableHotShares`, one fresh stack per shape.
public struct WebhookBenchmark: Sendable {
    public static let tableCompanies = [2, 100, 1_000]
    public static let tableHotShares = [0.2, 1.0]

    public struct Options: Sendable {
        public var seconds: Int
        public var concurrency: Int
        public var rate: Int
        public var binaryDirectory: String
        public var routesFile: String
        /// Post straight to the function's port instead of through the local router (in
        /// production the platform's ingress takes the router's place).
        public var direct: Bool
        public var companies: Int
        public var creatorsPerCompany: Int
        public var hotShare: Double
        public var mix: EventMix
        public var table: Bool
        /// The function's connections to Postgres use TLS (`sslmode=require`), as over a network.
        public var databaseTLS = false
        public init(seconds: Int, concurrency: Int, rate: Int, binaryDirectory: String, routesFile: String, direct: Bool,
                    companies: Int, creatorsPerCompany: Int, hotShare: Double, mix: EventMix, table: Bool) {
            self.seconds = seconds
            self.concurrency = concurrency
            self.rate = rate
            self.binaryDirectory = binaryDirectory
            self.routesFile = routesFile
            self.direct = direct
            self.companies = companies
            self.creatorsPerCompany = creatorsPerCompany
            self.hotShare = hotShare
            self.mix = mix
            self.table = table
        }
    }

    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run() async throws {
        guard options.table else {
            let shape = TrafficShape(companies: options.companies, creatorsPerCompany: options.creatorsPerCompany,
                                     hotShare: options.hotShare, mix: options.mix)
            _ = try await run(shape, measureColdStart: true)
            return
        }
        var results: [WebhookShapeResult] = []
        for companies in Self.tableCompanies {
            for hotShare in Self.tableHotShares {
                StandardOutput.line("")
                let shape = TrafficShape(companies: companies, creatorsPerCompany: options.creatorsPerCompany, hotShare: hotShare, mix: options.mix)
                results.append(try await run(shape, measureColdStart: false))
            }
        }
        WebhookShapeResult.printTable(results, concurrency: options.concurrency, rate: options.rate)
    }

    /// One shape on a fresh stack (so no shape inherits another's rows or caches).
    private func run(_ shape: TrafficShape, measureColdStart: Bool) async throws -> WebhookShapeResult {
        let stack = try ServiceStack(mode: .throwaway(durable: true), environment: Environment([:]), logger: logger,
                                     databaseTLS: options.databaseTLS)
        let runtime = try await stack.start()
        var target: ChildProcess?
        do {
            StandardOutput.line("bench webhook: \(shape.summary); synchronous_commit=on, fsync=on; \(DatabaseConnectionMode.describe(tls: options.databaseTLS))")
            let seeding = monotonicNanoseconds()
            try TenantSeeder(adminURL: runtime.databaseAdminURL).seed(shape)
            StandardOutput.line("seeded \(shape.companies) companies, \(shape.creators) creators in \(fixed(seconds(since: seeding), 2)) s")
            if let superuserURL = runtime.superuserURL {
                try SettledDatabase.settle(try PostgresConnection(url: superuserURL.replacingDatabase(with: ServiceStack.databaseName)))
            }
            if measureColdStart {
                let (cold, listening) = try await measureColdStarts(runtime, broadcaster: shape.hot.twitchUserID)
                StandardOutput.line("cold start (process start -> first 2xx), \(cold.count) runs: median \(fixed(percentile(cold, 0.5))) ms, min \(fixed(cold.min() ?? 0)) ms, max \(fixed(cold.max() ?? 0)) ms; of it, process start -> port open: median \(fixed(percentile(listening, 0.5))) ms")
            }

            let port = try Ports.freeServerPort()
            var environment = ["PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning"]
            for (key, value) in runtime.pairs { environment[key] = value }
            // Overrides each function's own pipelining default (docs/architecture.md, "Round trips"),
            // and the ingest settings (INGEST_LANES, INGEST_MAX_BATCH, …) for trying other values.
            if let pipelining = Environment().optional("DATABASE_PIPELINING") { environment["DATABASE_PIPELINING"] = pipelining }
            for (key, value) in Environment().all where key.hasPrefix("INGEST_") { environment[key] = value }
            if options.direct {
                environment["PORT"] = String(port)
                environment["HOST"] = "127.0.0.1"
                target = try ChildProcess(executable: "\(options.binaryDirectory)/twitch-webhook", environment: environment)
            } else {
                target = try ChildProcess(executable: FileSystem.currentExecutable(), arguments: [
                    "serve-router", "--port", String(port), "--bin-dir", options.binaryDirectory, "--routes", options.routesFile,
                    "--idle-seconds", "600"], environment: environment)
            }
            StandardOutput.line(options.direct ? "load goes straight to the twitch-webhook function" : "load goes through the local router")
            try await ListeningProcess.waitUntilListening(target!, name: options.direct ? "twitch-webhook" : "the router", port: port)
            let url = "http://127.0.0.1:\(port)/webhooks/twitch"
            let client = LoadDriver.makeClient()
            let driver = LoadDriver(client: client)
            let executor = BlockingExecutor(threads: 1)
            defer { Task { await executor.shutdown() } }
            func presign(_ count: Int) -> PresignedNotifications {
                PresignedNotifications(count: count, shape: shape, url: url, secret: runtime.eventSubSecret)
            }

            // Rows already there (the cold-start probes) are not part of the check.
            let preexisting = Set(try superuserConnection(runtime).query("SELECT twitch_message_id AS m FROM events").rows.compactMap { $0["m"] })
            // Warm up: starts the function and fills connection pools; its rate sizes the closed loop's pool.
            let warmPool = presign(3_000)
            let warm = try await driver.run(concurrency: options.concurrency, seconds: 1, rate: nil, next: { warmPool.next() })

            // Open loop at the fixed rate, twice: on the warmed system (steady traffic), then right
            // after the closed loop, while Postgres and the kernel catch up with the burst
            // (autovacuum of the new rows, writeback of dirty pages). The second was the only
            // one until stop 30, and its tail (100-300 ms) is the burst's aftermath, not the
            // latency at that rate: measured first, the same shape had p99 15 ms.
            let openSeconds = max(3, options.seconds / 2)
            // Sent by `OpenLoopSender` on a thread of its own (raw keep-alive sockets, as cheap as
            // wrk): the async client cost a quarter of the machine at 1,000 requests/s.
            let sender = OpenLoopSender(port: port, connections: options.concurrency)
            let rate = options.rate
            func openLoop() async throws -> (WebhookShapeResult.Phase, pool: PresignedNotifications, acceptedRows: Int) {
                let pool = presign(rate * openSeconds + 1)
                let run = try await executor.run {
                    try sender.run(rate: rate, seconds: openSeconds) { pool.rawRequest($0, host: "127.0.0.1:\(port)", path: "/webhooks/twitch") }
                }
                return (WebhookShapeResult.Phase(run, generator: "open-loop sender"), pool, run.weight)
            }
            let (open, steadyPool, steadyRows) = try await openLoop()

            // Pre-signed, so a pool can run out: sized well above the warm-up's rate, and reported if it does.
            let signing = monotonicNanoseconds()
            let closedPool = presign(min(20_000, max(2_000, Int(warm.perSecond * 3))) * options.seconds)
            StandardOutput.line("pre-signed \(closedPool.count) notifications for the closed loop in \(fixed(seconds(since: signing), 2)) s")
            // Closed loop from wrk when installed (as the issue measured it: a C load generator
            // costs the shared 2 cores far less than AsyncHTTPClient in this process).
            let closed: WebhookShapeResult.Phase
            let cpuBefore = ProcessCPU.snapshot()
            if WrkLoad.isAvailable {
                let scratch = try FileSystem.temporaryDirectory(prefix: "ccr-bench-webhook")
                defer { FileSystem.removeTree(scratch) }
                let wrk = try await WrkLoad.replay(base: "http://127.0.0.1:\(port)", requests: closedPool.rawRequests(host: "127.0.0.1:\(port)", path: "/webhooks/twitch"),
                                                   connections: options.concurrency, seconds: options.seconds, scratch: scratch)
                closed = WebhookShapeResult.Phase(wrk, seconds: options.seconds)
            } else {
                closed = WebhookShapeResult.Phase(try await driver.run(concurrency: options.concurrency, seconds: options.seconds, rate: nil,
                                                                       next: { closedPool.next() }), generator: "in-process client")
            }
            // What each accepted event cost each program: far steadier between runs than events/s.
            let cpu = ProcessCPU.snapshot().perRequest(since: cpuBefore, requests: closed.accepted, unit: "event")
            let (openAfterBurst, afterPool, afterRows) = try await openLoop()
            try await client.shutdown()

            let exhausted = closed.sent >= closedPool.count ? " (all \(closedPool.count) pre-signed notifications sent before the time was up: the rest were redeliveries)" : ""
            StandardOutput.line("closed loop, \(options.concurrency) concurrent requests, \(fixed(closed.elapsed, 1))s\(exhausted), \(closed.generator): accepted events \(closed.summary)")
            StandardOutput.line("closed loop: \(cpu)")
            StandardOutput.line("open loop \(options.rate) events/s, \(openSeconds)s, latency from the scheduled send time: achieved \(open.summary)")
            StandardOutput.line("open loop \(options.rate) events/s right after the closed loop, \(openSeconds)s: achieved \(openAfterBurst.summary)")
            let check = try checkStored(runtime, pools: [warmPool, closedPool, steadyPool, afterPool], openPools: [steadyPool, afterPool],
                                        acceptedOpenRows: steadyRows + afterRows, acceptedClosed: closed.accepted,
                                        closedPool: closedPool, preexisting: preexisting)
            let result = WebhookShapeResult(shape: shape, closed: closed, open: open, openAfterBurst: openAfterBurst, check: check)
            StandardOutput.line("rows stored: \(check.rows) for \(check.notifications) notifications, \(fixed(result.rowsPerEvent, 3)) rows/event; each stored notification has one row per tracking company: \(check.summary)")
            if let target { await target.terminate() }
            await stack.stop()
            return result
        } catch {
            if let target { await target.terminate() }
            await stack.stop()
            throw error
        }
    }

    private func seconds(since start: UInt64) -> Double { Double(monotonicNanoseconds() - start) / 1e9 }

    /// Every stored notification against what was sent: one row per tracking company for each
    /// (none missing, none twice), no row for anything not sent; the open loop's accepted events
    /// are all stored, and the closed loop stored at least what wrk saw accepted (requests in
    /// flight when it stopped may be stored too).
    private func checkStored(_ runtime: RuntimeEnvironment, pools: [PresignedNotifications], openPools: [PresignedNotifications],
                             acceptedOpenRows: Int, acceptedClosed: Int,
                             closedPool: PresignedNotifications, preexisting: Set<String>) throws -> WebhookShapeResult.StoredCheck {
        let counts = try superuserConnection(runtime).query("SELECT twitch_message_id AS m, count(*) AS n FROM events GROUP BY 1").rows
        var weights: [String: Int] = [:]
        for pool in pools { weights.merge(pool.weights) { first, _ in first } }
        let closedIDs = closedPool.weights
        var openIDs: [String: Int] = [:]
        for pool in openPools { openIDs.merge(pool.weights) { first, _ in first } }
        var check = WebhookShapeResult.StoredCheck()
        var openRows = 0
        for row in counts {
            guard let id = row["m"], !preexisting.contains(id), let n = try? Int(row.requireInt64("n")) else { continue }
            check.rows += n
            check.notifications += 1
            guard let expected = weights[id] else { check.unknown += 1; continue }
            if n != expected { check.wrongCount += 1 }
            if closedIDs[id] != nil { check.closedNotifications += 1 }
            if openIDs[id] != nil { openRows += n }
        }
        check.openComplete = openRows == acceptedOpenRows
        check.closedComplete = check.closedNotifications >= acceptedClosed
        return check
    }

    /// The superuser of the throwaway cluster is not subject to RLS: it sees every tenant's rows.
    private func superuserConnection(_ runtime: RuntimeEnvironment) throws -> PostgresConnection {
        try PostgresConnection(url: runtime.superuserURL!.replacingDatabase(with: ServiceStack.databaseName))
    }

    /// Per run: process start → first 2xx, and process start → port open (ms).
    private func measureColdStarts(_ runtime: RuntimeEnvironment, broadcaster: String) async throws -> ([Double], [Double]) {
        var results: [Double] = []
        var listening: [Double] = []
        let client = LoadDriver.makeClient()
        var environment = ["PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning"]
        for (key, value) in runtime.pairs { environment[key] = value }
        for _ in 0..<5 {
            let port = try Ports.freeServerPort()
            environment["PORT"] = String(port)
            environment["HOST"] = "127.0.0.1"
            let began = monotonicNanoseconds()
            let process = try ChildProcess(executable: "\(options.binaryDirectory)/twitch-webhook", environment: environment)
            // Poll with a bare TCP connect (an HTTP client's own reconnect backoff would inflate the number).
            try await ListeningProcess.waitUntilListening(process, name: "twitch-webhook", port: port, pollNanoseconds: 100_000)
            listening.append(Double(monotonicNanoseconds() - began) / 1e6)
            while true {
                // A new message id per attempt (a redelivery would be acknowledged without storing).
                let request = PresignedNotifications.request(
                    type: "channel.follow", broadcaster: broadcaster, sequence: 0, now: RFC3339.format(unixSeconds: wallClockSeconds()),
                    url: "http://127.0.0.1:\(port)/webhooks/twitch", secret: runtime.eventSubSecret)
                if let response = try? await client.execute(request, timeout: .seconds(5)), (200..<300).contains(Int(response.status.code)) {
                    break
                }
                if process.exitStatusIfExited() != nil { throw OperatorCommands.Failure(description: "twitch-webhook exited during start") }
                try await Task.sleep(nanoseconds: 200_000)
            }
            results.append(Double(monotonicNanoseconds() - began) / 1e6)
            await process.terminate()
        }
        try await client.shutdown()
        return (results, listening)
    }
}

extension String {
    /// Swaps the database name of a postgresql:// URL.
    func replacingDatabase(with database: String) -> String {
        guard let slash = self.lastIndex(of: "/") else { return self }
        return String(self[...slash]) + database
    }
}

