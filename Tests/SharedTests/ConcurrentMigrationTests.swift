import BlockingIO
import Migrations
import Postgres
import TestSupport
import Testing

/// Two `migrate` runs at once against a fresh database (two rollouts racing, or a Job retried
/// while its first pod still runs): both succeed, the schema is applied exactly once. The
/// advisory lock of `Migrator` is what serializes them; the test holds that lock first so both
/// runs are provably waiting on it at the same time before either starts.
@Suite(.serialized) struct ConcurrentMigrationTests {
    /// `Migrator`'s advisory lock key: "CCRMIG" in ASCII.
    static let lockKey: Int64 = 0x43_43_52_4D_49_47

    /// A new, empty database owned by the owner role (as `Bootstrap` provisions one), dropped afterwards.
    static func withFreshDatabase(_ body: (_ adminURL: String, _ name: String) async throws -> Void) async throws {
        let name = "ccr_migrate_\(UInt32.random(in: 0...UInt32.max))"
        let superuser = try PostgresConnection(url: try TestServices.superuserURL())
        try superuser.execute(script: "CREATE DATABASE \(name) OWNER \(DatabaseRoles.owner) ENCODING 'UTF8'")
        try superuser.execute(script: "REVOKE ALL ON DATABASE \(name) FROM PUBLIC; GRANT CONNECT ON DATABASE \(name) TO \(DatabaseRoles.app)")
        do {
            try await body(try Self.url(try TestServices.adminURL(), database: name), name)
        } catch {
            _ = try? superuser.execute(script: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
        try superuser.execute(script: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// `postgres://user:pw@host:port/db?params` with another database name.
    static func url(_ url: String, database: String) throws -> String {
        let query = url.firstIndex(of: "?").map { String(url[$0...]) } ?? ""
        let base = url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
        let authority = try #require(base.firstRange(of: "://")).upperBound
        let slash = base[authority...].firstIndex(of: "/") ?? base.endIndex
        return String(base[..<slash]) + "/" + database + query
    }

    @Test func twoMigrationsAtOnceApplyTheSchemaOnce() async throws {
        try await Self.withFreshDatabase { adminURL, name in
            let holder = try PostgresConnection(url: adminURL)
            try holder.query("SELECT pg_advisory_lock($1)", [Self.lockKey])
            let executor = BlockingExecutor(threads: 2)
            let runs = (0..<2).map { _ in
                Task { try await executor.run { try Migrator(connection: try PostgresConnection(url: adminURL)).migrate() } }
            }
            // Both runs are blocked on the migration lock at the same time.
            let superuser = try PostgresConnection(url: try TestServices.superuserURL())
            var waiting: Int64 = 0
            for _ in 0..<500 {
                waiting = try superuser.query("""
                    SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                    WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1
                    """, [name]).first!.requireInt64("n")
                if waiting >= 2 { break }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            #expect(waiting == 2, "both migrations should wait on the advisory lock")
            try holder.query("SELECT pg_advisory_unlock($1)", [Self.lockKey])

            var results: [[Int]] = []
            for run in runs { results.append(try await run.value) }  // neither throws
            await executor.shutdown()
            let all = Schema.migrations.map(\.version).sorted()
            #expect(results.map(\.count).sorted() == [0, all.count], "one run applies everything, the other finds it applied: \(results)")
            #expect(results.flatMap { $0 }.sorted() == all)

            let admin = try PostgresConnection(url: adminURL)
            let recorded = try admin.query("SELECT version FROM schema_migrations ORDER BY version").rows.map { Int(try $0.requireInt64("version")) }
            #expect(recorded == all, "each migration recorded once")
            let tables = try admin.query("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tablename = 'events'")
            #expect(try tables.first!.requireInt64("n") == 1)
            // A third run (the next deploy) has nothing to do.
            #expect(try Migrator(connection: admin).migrate().isEmpty)
            // The schema works for the app role, under row-level security, in the new database (directly:
            // a PgBouncer in front of the test run knows only the run's own database).
            if !TestServices.throughPgBouncer {
                let app = try PostgresConnection(url: try Self.url(try TestServices.databaseURL(), database: name))
                #expect(try app.query("SELECT count(*) AS n FROM events").first!.requireInt64("n") == 0)
            }
        }
    }

    /// A run that cannot finish fails instead of reporting success: migrating as a role that may
    /// not (here the superuser, refused by design) throws, which is `migrate`'s exit status 1 and
    /// a failed Job that stops the rollout.
    @Test func aFailingRunThrows() async throws {
        try await Self.withFreshDatabase { _, name in
            let superuser = try PostgresConnection(url: try Self.url(try TestServices.superuserURL(), database: name))
            #expect(throws: Migrator.Failure.self) { try Migrator(connection: superuser).migrate() }
        }
    }
}
