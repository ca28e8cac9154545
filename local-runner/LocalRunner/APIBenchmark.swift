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
        /// Events stored per second while `GET /api/events` is measured.
        public var eventsPerSecond = 1_000
        /// The functions' connections to Postgres use TLS (`sslmode=require`), as over a network.
        public var databaseTLS = false
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
        let stack = try ServiceStack(mode: .throwaway(durable: true), environment: Environment([:]), logger: logger,
                                     databaseTLS: options.databaseTLS)
        let runtime = try await stack.start()
        var router: ChildProcess?
        let scratch = try FileSystem.temporaryDirectory(prefix: "ccr-bench-api")
        do {
            let superuser = try PostgresConnection(url: runtime.superuserURL!.replacingDatabase(with: ServiceStack.databaseName))
            let began = monotonicNanoseconds()
            let companies = try seed(superuser)
            StandardOutput.line("bench api: seeded \(options.companies) companies, \(options.companies * options.creatorsPerCompany) creators, \(options.events) events in \(fixed(Double(monotonicNanoseconds() - began) / 1e9, 1)) s; \(DatabaseConnectionMode.describe(tls: options.databaseTLS))")

            let keys = try DevelopmentKeys.loadOrCreate(in: scratch)
            let port = try Ports.freeServerPort()
            // The production rate limit (1,200 requests a minute per company) applies: the load is
            // spread over every company (4 requests/s each at 4,000/s), and a 429 counts as an error.
            var environment = ["PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning", "JWT_ISSUER": DevelopmentKeys.issuer,
                               "JWT_AUDIENCE": DevelopmentKeys.audience, "JWT_JWKS_FILE": scratch + "/dev-jwks.json",
                               "DATABASE_POOL_SIZE": "4",
                               "TWITCH_CLIENT_ID": "unused", "TWITCH_CLIENT_SECRET": "unused",
                               "S3_ENDPOINT": "http://127.0.0.1:1/objects", "S3_BUCKET": "bench", "S3_REGION": "local",
                               "S3_ACCESS_KEY_ID": "bench", "S3_SECRET_ACCESS_KEY": "bench-secret-0000"]
            for (key, value) in runtime.pairs { environment[key] = value }
            // Overrides each function's own pipelining default (docs/architecture.md, "Round trips").
            if let pipelining = Environment().optional("DATABASE_PIPELINING") { environment["DATABASE_PIPELINING"] = pipelining }
            router = try ChildProcess(executable: FileSystem.currentExecutable(), arguments: [
                "serve-router", "--port", String(port), "--bin-dir", options.binaryDirectory, "--routes", options.routesFile,
                "--idle-seconds", "600"], environment: environment)
            try await ListeningProcess.waitUntilListening(router!, name: "the router", port: port)
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
                // Both pages are served from caches that each change throws away (the creator
                // list, a company's newest events), so each is measured while its data changes,
                // as in production.
                let writes: PacedWrites?
                let shape: String
                if path == "/api/creators" && options.listChangesPerSecond > 0 {
                    writes = PacedWrites.listChanges(perSecond: options.listChangesPerSecond, databaseURL: runtime.databaseURL, creators: creators)
                    shape = " while \(options.listChangesPerSecond) creator lists change per second"
                } else if path.hasPrefix("/api/events") && options.eventsPerSecond > 0 {
                    writes = PacedWrites.eventAppends(perSecond: options.eventsPerSecond, databaseURL: runtime.databaseAdminURL, creators: creators)
                    shape = " while \(options.eventsPerSecond) events are stored per second"
                } else {
                    writes = nil
                    shape = ""
                }
                defer { writes?.cancel() }
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
                    let requests = tokens.shuffled().map {
                        WrkLoad.Request(path: path, headers: [("Authorization", "Bearer " + $0)])
                    }
                    let before = ProcessCPU.snapshot()
                    let closed = try await WrkLoad.run(base: "http://127.0.0.1:\(port)", requests: Array(requests), connections: 32,
                                                       seconds: closedSeconds, scratch: scratch)
                    StandardOutput.line("GET \(path), 32 connections (max throughput)\(shape): \(closed.summary())")
                    // Steadier than requests/s on a shared machine: what each request cost each program
                    // (the background writes included, as in production).
                    StandardOutput.line("GET \(path) at max throughput: \(ProcessCPU.snapshot().perRequest(since: before, requests: closed.requests))")
                } else {
                    let closed = try await driver.run(concurrency: 32, seconds: closedSeconds, rate: nil, next: next)
                    StandardOutput.line("GET \(path), 32 concurrent (max throughput, no wrk installed: AsyncHTTPClient in this process)\(shape): \(closed.summary())")
                }
                if let writes {
                    let (applied, failed) = await writes.stop()
                    StandardOutput.line("\(writes.what) while GET \(path) was measured: \(applied) applied, \(failed) failed")
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

/// Writes at a fixed pace on one connection while a route is measured, and counts what it applied
/// (and what failed: the printed shape must be true).
struct PacedWrites: Sendable {
    let what: String
    private let task: Task<(applied: Int, failed: Int), Never>

    /// `ticksPerSecond` times a second, `write` on this task's thread (short blocking statements,
    /// a few dozen to a hundred a second), which returns how many changes it applied.
    static func start(_ what: String, ticksPerSecond: Int, databaseURL: String,
                      write: @escaping @Sendable (PostgresConnection) throws -> Int) -> PacedWrites {
        PacedWrites(what: what, task: Task.detached {
            guard let connection = try? PostgresConnection(url: databaseURL) else { return (0, 0) }
            let interval = 1_000_000_000 / UInt64(ticksPerSecond)
            var next = monotonicNanoseconds()
            var applied = 0
            var failed = 0
            while !Task.isCancelled {
                do { applied += try write(connection) } catch { failed += 1 }
                next += interval
                let now = monotonicNanoseconds()
                if next > now { try? await Task.sleep(nanoseconds: next - now) }
            }
            return (applied, failed)
        })
    }

    /// A random creator's viewer count, under its company's tenant scope as the app role, as
    /// status reconciliation writes it. Each change moves that company's list version (migration
    /// 15), so the next request for that list rebuilds it.
    static func listChanges(perSecond: Int, databaseURL: String, creators: [(company: String, creator: String)]) -> PacedWrites {
        start("creator list changes", ticksPerSecond: perSecond, databaseURL: databaseURL) { connection in
            guard let (company, creator) = creators.randomElement() else { return 0 }
            try connection.withTenantScope(companyId: company) {
                try connection.query("""
                    INSERT INTO creator_status (creator_id, company_id, live, viewer_count, started_at, live_changed_at)
                    VALUES ($1, $2, true, $3, now(), now())
                    ON CONFLICT (creator_id) DO UPDATE SET viewer_count = EXCLUDED.viewer_count, updated_at = now()
                    """, [creator, company, Int.random(in: 1...5_000)])
            }
            return 1
        }
    }

    /// Follows for random creators, committed in a batch every 10 ms as the owner (ingest stores
    /// through its SECURITY DEFINER function): one writer, so each company's ids commit in order
    /// as under ingest's stream locks. Each moves that company's event head (migration 16).
    static func eventAppends(perSecond: Int, databaseURL: String, creators: [(company: String, creator: String)]) -> PacedWrites {
        let ticks = min(perSecond, 100)
        let batch = perSecond / ticks
        return start("events stored", ticksPerSecond: ticks, databaseURL: databaseURL) { connection in
            let chosen = (0..<batch).compactMap { _ in creators.randomElement() }
            try connection.query("""
                INSERT INTO events (company_id, creator_id, twitch_message_id, subscription_type, subscription_version, occurred_at, data, payload)
                SELECT t.company, t.creator, 'bench-live-' || gen_random_uuid(), 'channel.follow', '2', now(),
                       '{"user_login":"viewer","user_name":"Viewer"}', '{"subscription":{"type":"channel.follow"},"event":{"user_login":"viewer"}}'
                FROM unnest($1::uuid[], $2::uuid[]) AS t(company, creator)
                """, [PostgresArray.literal(chosen.map(\.company)), PostgresArray.literal(chosen.map(\.creator))])
            return chosen.count
        }
    }

    func stop() async -> (applied: Int, failed: Int) {
        task.cancel()
        return await task.value
    }

    func cancel() { task.cancel() }
}
