import NIOHTTP1
import Files
import AsyncHTTPClient
import AccessTokens
import BlockingIO
public import Logging
import Postgres
import Processes
import Settings
import StructuredLogging

/// `local-runner/run bench api`: a seeded tenant database (default 1,000 companies, 20,000
/// creators, 5 million events), the REST functions behind the router, and latency at a fixed
/// request rate for `GET /api/events?limit=50` and `GET /api/creators`; then the same events query
/// straight on Postgres through the tenant scope (RLS) and with RLS bypassed by the owner role.
public struct APIBenchmark: Sendable {
    public struct Options: Sendable {
        public var companies: Int
        public var creatorsPerCompany: Int
        public var events: Int
        public var rate: Int
        public var seconds: Int
        public var binaryDirectory: String
        public var routesFile: String
        /// Creator list changes per second while `GET /api/creators` is measured.
        public var listChangesPerSecond = 50
        public init(companies: Int, creatorsPerCompany: Int, events: Int, rate: Int, seconds: Int, binaryDirectory: String, routesFile: String) {
            self.companies = companies
            self.creatorsPerCompany = creatorsPerCompany
            self.events = events
            self.rate = rate
            self.seconds = seconds
            self.binaryDirectory = binaryDirectory
            self.routesFile = routesFile
        }
    }

    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run() async throws {
        let stack = try ServiceStack(mode: .throwaway(durable: true), environment: Environment([:]), logger: logger)
        let runtime = try await stack.start()
        var router: ChildProcess?
        let scratch = try FileSystem.temporaryDirectory(prefix: "ccr-bench-api")
        do {
            let superuser = try PostgresConnection(url: runtime.superuserURL!.replacingDatabase(with: ServiceStack.databaseName))
            let began = monotonicNanoseconds()
            let companies = try seed(superuser)
            StandardOutput.line("bench api: seeded \(options.companies) companies, \(options.companies * options.creatorsPerCompany) creators, \(options.events) events in \(fixed(Double(monotonicNanoseconds() - began) / 1e9, 1)) s")

            let keys = try DevelopmentKeys.loadOrCreate(in: scratch)
            let port = try Ports.freeServerPort()
            var environment = ["PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning", "JWT_ISSUER": DevelopmentKeys.issuer,
                               "JWT_AUDIENCE": DevelopmentKeys.audience, "JWT_JWKS_FILE": scratch + "/dev-jwks.json",
                               "API_RATE_LIMIT_PER_MINUTE": "1000000", "DATABASE_POOL_SIZE": "4",
                               "TWITCH_CLIENT_ID": "unused", "TWITCH_CLIENT_SECRET": "unused",
                               "S3_ENDPOINT": "http://127.0.0.1:1/objects", "S3_BUCKET": "bench", "S3_REGION": "local",
                               "S3_ACCESS_KEY_ID": "bench", "S3_SECRET_ACCESS_KEY": "bench-secret-0000"]
            for (key, value) in runtime.pairs { environment[key] = value }
            // The before/after switch of the round-trip change (docs/architecture.md).
            if let pipelining = Environment().optional("DATABASE_PIPELINING") { environment["DATABASE_PIPELINING"] = pipelining }
            router = try ChildProcess(executable: FileSystem.currentExecutable(), arguments: [
                "serve-router", "--port", String(port), "--bin-dir", options.binaryDirectory, "--routes", options.routesFile,
                "--idle-seconds", "600"], environment: environment)
            while !Ports.isAccepting(port: port) { try await Task.sleep(nanoseconds: 2_000_000) }
            let tokens = try companies.map { company in
                try keys.signer.token(subject: try Self.member(of: company, superuser), companyID: company, role: .viewer,
                                      now: wallClockSeconds(), ttlSeconds: 7200)
            }

            let client = LoadDriver.makeClient()
            let driver = LoadDriver(client: client)
            let creators = try superuser.query("SELECT company_id::text AS company, id::text AS creator FROM creators").rows.map {
                (company: try $0.require("company"), creator: try $0.require("creator"))
            }
            for path in ["/api/events?limit=50", "/api/creators"] {
                let url = "http://127.0.0.1:\(port)\(path)"
                // The creators list is served from a cache that each change throws away, so it is
                // measured while lists change, as in production.
                let changes = path == "/api/creators" && options.listChangesPerSecond > 0
                    ? ListChanges.start(perSecond: options.listChangesPerSecond, databaseURL: runtime.databaseURL, creators: creators) : nil
                let shape = changes == nil ? "" : " while \(options.listChangesPerSecond) creator lists change per second"
                defer { changes?.cancel() }
                let next: @Sendable () -> (HTTPClientRequest, Int)? = {
                    var request = HTTPClientRequest(url: url)
                    request.headers.add(name: "authorization", value: "Bearer " + tokens.randomElement()!)
                    return (request, 1)
                }
                _ = try await driver.run(concurrency: 16, seconds: 1, rate: nil, next: next)  // start the function, warm caches
                let fixedRate = try await driver.run(concurrency: 64, seconds: options.seconds, rate: options.rate, next: next)
                StandardOutput.line("GET \(path) at \(options.rate) req/s\(shape): \(fixedRate.summary())")
                let closedSeconds = max(3, options.seconds / 2)
                if WrkLoad.isAvailable {
                    let requests = tokens.shuffled().prefix(200).map {
                        WrkLoad.Request(path: path, headers: [("Authorization", "Bearer " + $0)])
                    }
                    let closed = try await WrkLoad.run(base: "http://127.0.0.1:\(port)", requests: Array(requests), connections: 32,
                                                       seconds: closedSeconds, scratch: scratch)
                    StandardOutput.line("GET \(path), 32 connections (max throughput)\(shape): \(closed.summary())")
                } else {
                    let closed = try await driver.run(concurrency: 32, seconds: closedSeconds, rate: nil, next: next)
                    StandardOutput.line("GET \(path), 32 concurrent (max throughput, no wrk installed: AsyncHTTPClient in this process)\(shape): \(closed.summary())")
                }
                if let changes {
                    let (applied, failed) = await changes.stop()
                    StandardOutput.line("creator list changes while GET /api/creators was measured: \(applied) applied, \(failed) failed")
                }
            }
            try await client.shutdown()
            try compareRowLevelSecurity(runtime: runtime, companies: companies, superuser: superuser)
        } catch {
            if let router { await router.terminate() }
            await stack.stop()
            throw error
        }
        if let router { await router.terminate() }
        await stack.stop()
        _ = try? await ChildProcess.run("/bin/rm", ["-rf", scratch], environment: ["PATH": "/usr/bin:/bin"])
    }

    /// Server-side bulk seeding as the cluster's superuser. Foreign-key triggers are skipped
    /// (session_replication_role = replica) because the generated rows are consistent by
    /// construction; that is for this throwaway benchmark database only.
    private func seed(_ superuser: PostgresConnection) throws -> [String] {
        try superuser.execute(script: "SET session_replication_role = replica")
        try superuser.query("INSERT INTO companies (name) SELECT 'Bench agency ' || g FROM generate_series(1, $1) g", [options.companies])
        try superuser.query("""
            INSERT INTO creators (company_id, twitch_user_id, login, display_name)
            SELECT c.id, (10000000 + row_number() OVER ())::text, 'creator_' || row_number() OVER (), 'Creator ' || row_number() OVER ()
            FROM companies c CROSS JOIN generate_series(1, $1) g
            """, [options.creatorsPerCompany])
        let perCreator = max(1, options.events / max(1, options.companies * options.creatorsPerCompany))
        try superuser.query("""
            INSERT INTO events (company_id, creator_id, twitch_message_id, subscription_type, subscription_version, occurred_at, data, payload)
            SELECT cr.company_id, cr.id, 'bench-' || cr.id || '-' || g,
                   (ARRAY['channel.follow', 'channel.subscribe', 'channel.cheer', 'channel.update'])[1 + g % 4], '1',
                   now() - make_interval(secs => g * 37), '{"user":{"login":"viewer"}}',
                   '{"subscription":{"type":"channel.follow"},"event":{"user_login":"viewer"}}'
            FROM generate_series(1, $1) g CROSS JOIN creators cr
            """, [perCreator])
        // One viewer per company: the access check (memberships are the source of truth) is part
        // of every request measured.
        try superuser.query("INSERT INTO users (email) SELECT 'bench-' || c.id || '@bench.example' FROM companies c")
        try superuser.query("""
            INSERT INTO memberships (company_id, user_id, role)
            SELECT c.id, u.id, 'viewer' FROM companies c JOIN users u ON u.email = 'bench-' || c.id || '@bench.example'
            """)
        try superuser.execute(script: "SET session_replication_role = origin")
        try SettledDatabase.settle(superuser)
        return try superuser.query("SELECT c.id FROM companies c").rows.compactMap { $0["id"] }
    }

    /// The viewer member of a seeded company (the token's `sub`).
    private static func member(of company: String, _ superuser: PostgresConnection) throws -> String {
        try superuser.query("SELECT id FROM users WHERE email = $1", ["bench-\(company)@bench.example"]).first!.require("id")
    }

    /// The events page query on Postgres: through the tenant scope as the app role (RLS), and as
    /// the owner with RLS bypassed (NO FORCE on this throwaway database) and an explicit filter;
    /// both paths set the tenant in a transaction, so the difference is the policy alone.
    private func compareRowLevelSecurity(runtime: RuntimeEnvironment, companies: [String], superuser: PostgresConnection) throws {
        let app = try PostgresConnection(url: runtime.databaseURL)
        let owner = try PostgresConnection(url: runtime.databaseAdminURL)
        let iterations = 3000
        var withRLS: [Double] = []
        var bypassed: [Double] = []
        let query = "SELECT id, creator_id, subscription_type, occurred_at, data FROM events"
        for _ in 0..<iterations {
            let company = companies.randomElement()!
            let start = monotonicNanoseconds()
            try app.withTenantScope(companyId: company) {
                _ = try app.query(query + " WHERE company_id = current_company_id() ORDER BY id DESC LIMIT 50")
            }
            withRLS.append(Double(monotonicNanoseconds() - start) / 1e6)
        }
        try superuser.execute(script: "ALTER TABLE events NO FORCE ROW LEVEL SECURITY")
        defer { _ = try? superuser.execute(script: "ALTER TABLE events FORCE ROW LEVEL SECURITY") }
        for _ in 0..<iterations {
            let company = companies.randomElement()!
            let start = monotonicNanoseconds()
            // Same round trips as the RLS path (the tenant is set too); only the policy is not applied.
            try owner.withTenantScope(companyId: company) {
                _ = try owner.query(query + " WHERE company_id = $1 ORDER BY id DESC LIMIT 50", [company])
            }
            bypassed.append(Double(monotonicNanoseconds() - start) / 1e6)
        }
        let meanRLS = withRLS.reduce(0, +) / Double(iterations)
        let meanBypassed = bypassed.reduce(0, +) / Double(iterations)
        StandardOutput.line("events page on Postgres, \(iterations) queries each: with RLS (app role, tenant scope) p50 \(fixed(percentile(withRLS, 0.5), 3)) ms, p99 \(fixed(percentile(withRLS, 0.99), 3)) ms; RLS bypassed (owner, NO FORCE) p50 \(fixed(percentile(bypassed, 0.5), 3)) ms, p99 \(fixed(percentile(bypassed, 0.99), 3)) ms; RLS overhead \(fixed((meanRLS / meanBypassed - 1) * 100, 1)) % (same round trips on both sides)")
    }
}

/// Changes creator lists at a fixed rate: a random creator's viewer count, under its company's
/// tenant scope as the app role, as status reconciliation writes it. Each change moves that
/// company's list version (migration 15), so the next request for that list rebuilds it.
struct ListChanges: Sendable {
    private let task: Task<(applied: Int, failed: Int), Never>

    static func start(perSecond: Int, databaseURL: String, creators: [(company: String, creator: String)]) -> ListChanges {
        ListChanges(task: Task.detached {
            guard let connection = try? PostgresConnection(url: databaseURL) else { return (0, 0) }
            let interval = 1_000_000_000 / UInt64(perSecond)
            var next = monotonicNanoseconds()
            var applied = 0
            var failed = 0
            while !Task.isCancelled, let (company, creator) = creators.randomElement() {
                // A short blocking statement (~1 ms) on this task's thread, a few dozen a second.
                do {
                    try connection.withTenantScope(companyId: company) {
                        try connection.query("""
                            INSERT INTO creator_status (creator_id, company_id, live, viewer_count, started_at, live_changed_at)
                            VALUES ($1, $2, true, $3, now(), now())
                            ON CONFLICT (creator_id) DO UPDATE SET viewer_count = EXCLUDED.viewer_count, updated_at = now()
                            """, [creator, company, Int.random(in: 1...5_000)])
                    }
                    applied += 1
                } catch {
                    failed += 1
                }
                next += interval
                let now = monotonicNanoseconds()
                if next > now { try? await Task.sleep(nanoseconds: next - now) }
            }
            return (applied, failed)
        })
    }

    /// Stops and says how many changes were applied (and failed: the printed shape must be true).
    func stop() async -> (applied: Int, failed: Int) {
        task.cancel()
        return await task.value
    }

    func cancel() { task.cancel() }
}
