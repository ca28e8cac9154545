import AsyncHTTPClient
import Base64Encoding
import BlockingIO
import EventSub
import JobQueue
import JSONValue
public import Logging
import NIOCore
import NIOHTTP1
import NotificationStore
import Postgres
import Processes
import Redis
import SecretSealing
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

/// `local-runner/run bench notify`: go-live alerts from a signed `stream.online` at the webhook
/// function to a message at the Discord stand-in, through ingest's outbox, the `notify` queue and
/// `notify` workers, on a throwaway Postgres (synchronous commit, fsync on) and Redis.
///
/// 1. Latency: one go-live at a time to a destination of its own; from the POST to the message
///    the stand-in recorded (its receive time; the same clock on one machine).
/// 2. Volume: `companies` x `destinations` Discord webhooks (the stand-in enforcing Discord's
///    reported limits: 5 per 2 s per webhook, 50 per s per IP), each company's `creators` going
///    live once, so every webhook is owed `creators` messages. Optionally one worker is killed
///    with SIGKILL halfway (and a new one started). Counted at the end: messages per webhook
///    against what each is owed (duplicates, losses), the stand-in's 429s and requests sent inside
///    a 429's window (hammering), and the delivery rows' statuses.
public struct NotifyBenchmark: Sendable {
    public struct Options: Sendable {
        public var companies: Int
        public var destinationsPerCompany: Int
        public var creatorsPerCompany: Int
        public var latencyRuns: Int
        public var workers: Int
        public var killWorker: Bool
        /// The stand-in's global limit per second; workers pace Discord at 90 % of it.
        public var globalLimit: Int
        public var timeoutSeconds: Int
        public var binaryDirectory: String

        public init(companies: Int, destinationsPerCompany: Int, creatorsPerCompany: Int, latencyRuns: Int, workers: Int, killWorker: Bool,
                    globalLimit: Int, timeoutSeconds: Int, binaryDirectory: String) {
            self.companies = companies
            self.destinationsPerCompany = destinationsPerCompany
            self.creatorsPerCompany = creatorsPerCompany
            self.latencyRuns = latencyRuns
            self.workers = workers
            self.killWorker = killWorker
            self.globalLimit = globalLimit
            self.timeoutSeconds = timeoutSeconds
            self.binaryDirectory = binaryDirectory
        }
    }

    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// One seeded company: its creators' Twitch ids and its destinations' stand-in webhook ids.
    struct SeededCompany {
        let id: String
        var broadcasters: [String] = []
        var webhooks: [String] = []
    }

    public func run() async throws {
        let stack = try ServiceStack(mode: .throwaway(durable: true), environment: Environment([:]), logger: logger)
        let runtime = try await stack.start()
        var processes: [SupervisedProcess] = []
        var workers: [ChildProcess] = []
        let client = LoadDriver.makeClient()
        do {
            let expected = options.companies * options.destinationsPerCompany * options.creatorsPerCompany
            StandardOutput.line("bench notify: \(options.companies) companies x \(options.destinationsPerCompany) Discord destinations x "
                                + "\(options.creatorsPerCompany) go-lives = \(expected) deliveries to \(options.companies * options.destinationsPerCompany) "
                                + "webhooks; \(options.workers) notify workers; stand-in limits 5 per 2 s per webhook, \(options.globalLimit) per s global")
            var environment = ["PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning"]
            for (key, value) in runtime.pairs { environment[key] = value }
            let key = (0..<SealingKeyRing.keyBytes).map { _ in UInt8.random(in: .min ... .max) }
            let keys = try SealingKeyRing([(id: "bench", key: key)])
            environment["TOKEN_ENCRYPTION_KEYS"] = "bench:" + Base64.encode(key)
            environment["OUTBOUND_ALLOW_PRIVATE"] = "true"

            let standInPort = try Ports.freeServerPort()
            processes.append(try await ListeningProcess.launch("\(options.binaryDirectory)/discord-stand-in", port: standInPort, environment: environment.merging([
                "PORT": String(standInPort), "STAND_IN_GLOBAL_LIMIT": String(options.globalLimit),
            ]) { $1 }))
            let standIn = StandInControl(client: client, baseURL: "http://127.0.0.1:\(standInPort)")
            let webhookPort = try Ports.freeServerPort()
            processes.append(try await ListeningProcess.launch("\(options.binaryDirectory)/twitch-webhook", port: webhookPort, environment: environment.merging([
                "PORT": String(webhookPort), "HOST": "127.0.0.1",
            ]) { $1 }))
            let webhookURL = "http://127.0.0.1:\(webhookPort)/webhooks/twitch"

            let seeding = monotonicNanoseconds()
            let admin = try PostgresConnection(url: runtime.databaseAdminURL)
            let latency = try await seed(companyIndex: -1, creators: options.latencyRuns, destinations: 1, on: admin, keys: keys, standIn: standIn)
            try await standIn.post("/_stand-in/webhooks/\(latency.webhooks[0])/limit", ["limit": 1_000, "window_seconds": 1])
            var companies: [SeededCompany] = []
            for index in 0..<options.companies {
                companies.append(try await seed(companyIndex: index, creators: options.creatorsPerCompany, destinations: options.destinationsPerCompany,
                                                on: admin, keys: keys, standIn: standIn))
            }
            StandardOutput.line("seeded in \(fixed(Double(monotonicNanoseconds() - seeding) / 1e9, 1)) s")

            environment["NOTIFY_DISCORD_REQUESTS_PER_SECOND"] = String(max(1, options.globalLimit * 9 / 10))
            environment["JOB_IDLE_EXIT_SECONDS"] = "0"
            for _ in 0..<options.workers { workers.append(try ChildProcess(executable: "\(options.binaryDirectory)/notify", environment: environment)) }
            try await Task.sleep(for: .milliseconds(500))

            // 1. Latency, one go-live at a time.
            var latencies: [Double] = []
            for (sequence, broadcaster) in latency.broadcasters.enumerated() {
                let sent = wallClockSeconds()
                try await goLive(broadcaster, sequence: sequence, url: webhookURL, secret: runtime.eventSubSecret, client: client)
                let deadline = monotonicNanoseconds() + 10_000_000_000
                var receivedAt: Double?
                while receivedAt == nil, monotonicNanoseconds() < deadline {
                    let messages = try await standIn.get("/_stand-in/messages?webhook_id=\(latency.webhooks[0])")["messages"]?.arrayValue ?? []
                    if messages.count > sequence, case .double(let at)? = messages[sequence]["received_at"] { receivedAt = at } else {
                        try await Task.sleep(for: .milliseconds(1))
                    }
                }
                guard let receivedAt else { throw OperatorCommands.Failure(description: "go-live \(sequence) got no message within 10 s") }
                latencies.append((receivedAt - sent) * 1000)
            }
            if !latencies.isEmpty {
                StandardOutput.line("go-live accepted -> message at the stand-in, \(latencies.count) runs: p50 \(fixed(percentile(latencies, 0.5))) ms, "
                                    + "p90 \(fixed(percentile(latencies, 0.9))) ms, p99 \(fixed(percentile(latencies, 0.99))) ms, max \(fixed(latencies.max() ?? 0)) ms")
            }

            // 2. Volume.
            let superuser = try PostgresConnection(url: runtime.superuserURL!.replacingDatabase(with: ServiceStack.databaseName))
            let started = monotonicNanoseconds()
            let broadcasters = companies.flatMap(\.broadcasters)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<16 {
                    group.addTask {
                        for index in stride(from: lane, to: broadcasters.count, by: 16) {
                            try await goLive(broadcasters[index], sequence: index, url: webhookURL, secret: runtime.eventSubSecret, client: client)
                        }
                    }
                }
                try await group.waitForAll()
            }
            StandardOutput.line("\(broadcasters.count) go-lives accepted in \(fixed(Double(monotonicNanoseconds() - started) / 1e9, 1)) s")
            var killed = false
            var lastSweep = monotonicNanoseconds()
            var statuses: [String: Int] = [:]
            let deadline = started + UInt64(options.timeoutSeconds) * 1_000_000_000
            while monotonicNanoseconds() < deadline {
                statuses = try Self.statuses(superuser)
                let finished = ["delivered", "failed", "disabled", "skipped"].reduce(0) { $0 + (statuses[$1] ?? 0) }
                if statuses.values.reduce(0, +) >= expected + latency.broadcasters.count && finished == statuses.values.reduce(0, +) { break }
                if options.killWorker, !killed, (statuses["delivered"] ?? 0) >= expected / 2, let victim = workers.first {
                    victim.signal(SIGKILL)
                    _ = await victim.waitForExit(timeoutMilliseconds: 5_000)
                    workers[0] = try ChildProcess(executable: "\(options.binaryDirectory)/notify", environment: environment)
                    killed = true
                    StandardOutput.line("worker \(victim.pid) killed with SIGKILL at \(statuses["delivered"] ?? 0) delivered; a new one started")
                }
                // The schedule's sweep (every 60 s in production), faster here.
                if monotonicNanoseconds() - lastSweep > 15_000_000_000 {
                    let redis = try RedisConnection(url: try RedisURL(parsing: runtime.redisURL))
                    _ = try NotifyRequest.queue.enqueue(NotifyRequest.sweepPayload, on: redis)
                    lastSweep = monotonicNanoseconds()
                }
                try await Task.sleep(for: .milliseconds(250))
            }
            let elapsed = Double(monotonicNanoseconds() - started) / 1e9
            let delivered = (statuses["delivered"] ?? 0) - latency.broadcasters.count
            StandardOutput.line("\(delivered) of \(expected) delivered in \(fixed(elapsed, 1)) s (\(fixed(Double(delivered) / max(elapsed, 0.001), 1))/s); "
                                + "rows by status: \(statuses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")

            // What the stand-in received, per webhook, against what each is owed.
            var duplicates = 0
            var lost = 0
            for company in companies {
                for webhook in company.webhooks {
                    let messages = try await standIn.get("/_stand-in/messages?webhook_id=\(webhook)")["messages"]?.arrayValue ?? []
                    var seen: [String: Int] = [:]
                    for message in messages {
                        let title = message["body"]?["embeds"]?.arrayValue?.first?["title"]?.stringValue ?? ""
                        seen[title, default: 0] += 1
                    }
                    duplicates += seen.values.reduce(0) { $0 + max(0, $1 - 1) }
                    lost += max(0, company.broadcasters.count - seen.count)
                }
            }
            let totals = try await standIn.get("/_stand-in/stats")["totals"]?["discord"] ?? .null
            func total(_ name: String) -> Int64 { totals[name]?.int64Value ?? 0 }
            StandardOutput.line("stand-in: \(total("requests")) requests, \(total("accepted")) messages, \(total("rate_limited")) answered 429, "
                                + "\(total("hammering")) sent inside a 429 window; duplicates \(duplicates), lost \(lost)"
                                + (options.killWorker ? (killed ? " (with a worker killed mid-run)" : " (no worker was killed: the run ended first)") : ""))

            for worker in workers { _ = await worker.terminate() }
            for process in processes.reversed() { await process.stop() }
            try await client.shutdown()
            await stack.stop()
        } catch {
            for worker in workers { _ = await worker.terminate() }
            for process in processes.reversed() { await process.stop() }
            try? await client.shutdown()
            await stack.stop()
            throw error
        }
    }

    /// A company with `creators` creators (bench broadcasters) and `destinations` Discord
    /// destinations (each a stand-in webhook; cooldown 0: each go-live is a new creator anyway).
    private func seed(companyIndex: Int, creators: Int, destinations: Int, on admin: PostgresConnection, keys: SealingKeyRing,
                      standIn: StandInControl) async throws -> SeededCompany {
        let companyID = try admin.query("SELECT gen_random_uuid()::text AS id").first!.require("id")
        var company = SeededCompany(id: companyID)
        var webhookURLs: [String] = []
        for _ in 0..<destinations {
            let webhook = try await standIn.post("/_stand-in/webhooks", ["name": "bench"])
            guard let id = webhook["id"]?.stringValue, let url = webhook["url"]?.stringValue else {
                throw OperatorCommands.Failure(description: "the stand-in did not create a webhook: \(JSONWriter.string(webhook))")
            }
            company.webhooks.append(id)
            webhookURLs.append(url)
        }
        let broadcasters = (0..<creators).map { String(700_000_000 + (companyIndex + 1) * 10_000 + $0) }
        company.broadcasters = broadcasters
        try admin.withTenantScope(companyId: companyID) {
            try admin.query("INSERT INTO companies (id, name) VALUES ($1, $2)", [companyID, "Bench Notify \(companyIndex)"])
            for broadcaster in broadcasters {
                try admin.query("INSERT INTO creators (company_id, twitch_user_id, login, display_name) VALUES ($1, $2, $3, $4)",
                                [companyID, broadcaster, "bench_\(broadcaster)", "Bench_\(broadcaster)"])
            }
            for url in webhookURLs {
                let id = try admin.query("SELECT gen_random_uuid()::text AS id").first!.require("id")
                try admin.query("""
                    INSERT INTO notification_destinations (id, company_id, name, kind, url_sealed, url_hint, cooldown_seconds)
                    VALUES ($1, $2, 'bench', 'discord', $3, 'http://127.0.0.1/…', 0)
                    """, [id, companyID, try keys.seal(url, context: NotificationDestination.urlContext(id))])
            }
        }
        return company
    }

    /// One signed stream.online for `broadcaster` (a new message id), POSTed until accepted.
    private func goLive(_ broadcaster: String, sequence: Int, url: String, secret: String, client: HTTPClient) async throws {
        let request = PresignedNotifications.request(type: "stream.online", broadcaster: broadcaster, sequence: sequence,
                                                     now: RFC3339.format(unixSeconds: wallClockSeconds()), url: url, secret: secret)
        let response = try await client.execute(request, timeout: .seconds(30))
        guard (200..<300).contains(Int(response.status.code)) else {
            throw OperatorCommands.Failure(description: "the webhook function answered \(response.status.code) to a go-live")
        }
    }

    private static func statuses(_ superuser: PostgresConnection) throws -> [String: Int] {
        var statuses: [String: Int] = [:]
        for row in try superuser.query("SELECT status, count(*) AS n FROM notification_deliveries GROUP BY status").rows {
            statuses[try row.require("status")] = Int(try row.requireInt64("n"))
        }
        return statuses
    }
}

/// The stand-in's control API over HTTP (JSON in, JSON out).
struct StandInControl: Sendable {
    let client: HTTPClient
    let baseURL: String

    @discardableResult
    func post(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: Array(JSONWriter.string(body).utf8)))
        return try await send(request)
    }

    func get(_ path: String) async throws -> JSONValue {
        try await send(HTTPClientRequest(url: baseURL + path))
    }

    private func send(_ request: HTTPClientRequest) async throws -> JSONValue {
        let response = try await client.execute(request, timeout: .seconds(30))
        var body = try await response.body.collect(upTo: 256 << 20)
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        guard (200..<300).contains(Int(response.status.code)) else {
            throw OperatorCommands.Failure(description: "stand-in \(request.url): \(response.status.code) \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        return bytes.isEmpty ? .null : try JSONParser.parse(bytes)
    }
}
