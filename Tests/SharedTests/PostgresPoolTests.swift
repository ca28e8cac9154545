import Foundation
import Logging
import Postgres
import Settings
import TestSupport
import Testing

/// `PostgresPool.warmUp(connections:)`, which every webhook, relay and API start runs in the
/// background (`startWarmUp`, while the port opens): it opens
/// the connections now (so the first request does not pay for them), never more than the pool
/// holds, the next requests reuse them, and an unreachable database is an error the caller sees.
/// Connections are counted in `pg_stat_activity` by an application name unique to each pool; the
/// owner role's URL goes straight to Postgres in both test passes (not through PgBouncer).
@Suite struct PostgresPoolTests {
    static func named(_ name: String) throws -> String {
        let url = try TestServices.adminURL()
        return url + (url.contains("?") ? "&" : "?") + "application_name=" + name
    }

    static func backends(_ name: String) throws -> Int64 {
        try TestServices.superuserQuery("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1", [name])
            .first!.requireInt64("n")
    }

    @Test func opensTheConnectionsNowAndRequestsReuseThem() async throws {
        let name = "pool-warm-\(UUID().uuidString.prefix(8))"
        let pool = PostgresPool(url: try Self.named(name), size: 4)
        #expect(try Self.backends(name) == 0)
        try await pool.warmUp(connections: 3)
        #expect(try Self.backends(name) == 3)
        for _ in 0..<3 {
            #expect(try await pool.withConnection { try $0.query("SELECT 1 AS one").first?["one"] } == "1")
        }
        #expect(try Self.backends(name) == 3, "requests one after another reuse a warmed connection")
        await pool.shutdown()
    }

    /// A function's start does not wait for its connections (`startWarmUp` is not async): they
    /// open in the background, and requests then reuse them.
    @Test func startWarmUpOpensTheConnectionsInTheBackground() async throws {
        let name = "pool-start-\(UUID().uuidString.prefix(8))"
        let pool = PostgresPool(url: try Self.named(name), size: 4)
        pool.startWarmUp(connections: 3)
        // Waits for the pool, not for the server: a backend shows in pg_stat_activity as soon as
        // it connects, before its connection has answered and joined the pool.
        for _ in 0..<500 {  // 10 s at most
            if pool.idleConnections >= 3 { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        #expect(pool.idleConnections == 3)
        #expect(try Self.backends(name) == 3)
        #expect(try await pool.withConnection { try $0.query("SELECT 1 AS one").first?["one"] } == "1")
        #expect(try Self.backends(name) == 3, "a request reuses a warmed connection")
        await pool.shutdown()
    }

    @Test func neverOpensMoreThanThePoolHolds() async throws {
        let name = "pool-cap-\(UUID().uuidString.prefix(8))"
        let pool = PostgresPool(url: try Self.named(name), size: 2)
        try await pool.warmUp(connections: 10)
        #expect(try Self.backends(name) == 2)
        await pool.shutdown()
    }

    /// `DATABASE_PIPELINING` overrides the function's own default either way; anything but a
    /// boolean is a configuration error, not a silent default.
    @Test func pipeliningIsTheFunctionsDefaultUnlessTheEnvironmentSaysOtherwise() async throws {
        let url = ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"]
        func pipelines(_ values: [String: String], default pipelining: Bool) async throws -> Bool {
            let pool = try PostgresPool.fromEnvironment(Environment(values), defaultSize: 1, pipelining: pipelining, logger: Logger(label: "test"))
            await pool.shutdown()
            return pool.pipelines
        }
        #expect(try await pipelines(url, default: false) == false)
        #expect(try await pipelines(url, default: true) == true)
        #expect(try await pipelines(url.merging(["DATABASE_PIPELINING": "false"]) { $1 }, default: true) == false)
        #expect(try await pipelines(url.merging(["DATABASE_PIPELINING": "on"]) { $1 }, default: false) == true)
        await #expect(throws: (any Error).self) { try await pipelines(url.merging(["DATABASE_PIPELINING": "sometimes"]) { $1 }, default: true) }
        let direct = PostgresPool(url: url["DATABASE_URL"]!, size: 1)
        #expect(direct.pipelines == false, "a pool built directly does not pipeline unless asked")
        await direct.shutdown()
    }

    @Test func anUnreachableDatabaseIsAnError() async throws {
        let pool = PostgresPool(url: "postgres://nobody@127.0.0.1:1/none", size: 2)
        await #expect(throws: PostgresError.self) { try await pool.warmUp(connections: 2) }
        await pool.shutdown()
    }
}
