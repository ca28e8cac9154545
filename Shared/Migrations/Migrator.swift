public import Postgres

/// Applies `Schema.migrations` as the owner role. Idempotent: applied versions are recorded in
/// `schema_migrations` and skipped; an advisory lock makes concurrent runs (two deploys) safe.
public struct Migrator {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A fixed key for `pg_advisory_lock`, so only one migrator runs at a time per database.
    static let lockKey: Int64 = 0x43_43_52_4D_49_47  // "CCRMIG"

    private let connection: PostgresConnection
    private let migrations: [Migration]

    public init(connection: PostgresConnection, migrations: [Migration] = Schema.migrations) {
        self.connection = connection
        self.migrations = migrations
    }

    /// Applies what is missing; returns the versions applied by this call.
    @discardableResult
    public func migrate() throws -> [Int] {
        // Objects belong to whoever creates them: a superuser or BYPASSRLS role here would own
        // tables that row-level security then does not bind.
        let role = try connection.query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").first!
        if role.bool("rolsuper") == true || role.bool("rolbypassrls") == true {
            throw Failure(description: "refusing to migrate as a superuser or BYPASSRLS role; use the owner role (\(DatabaseRoles.owner))")
        }
        try connection.query("SET client_min_messages TO warning")
        try connection.query("SELECT pg_advisory_lock($1)", [Self.lockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [Self.lockKey]) }
        try connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        var applied: [Int: String] = [:]
        for row in try connection.query("SELECT version, checksum FROM schema_migrations").rows {
            applied[Int(try row.requireInt64("version"))] = try row.require("checksum")
        }
        var newlyApplied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            let checksum = try connection.query("SELECT md5($1) AS sum", [migration.sql]).first!.require("sum")
            if let recorded = applied[migration.version] {
                guard recorded == checksum else {
                    throw Failure(description: "migration \(migration.version) (\(migration.name)) was changed after it was applied")
                }
                continue
            }
            try connection.withTransaction {
                try connection.execute(script: migration.sql)
                try connection.query(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [migration.version, migration.name, checksum])
            }
            newlyApplied.append(migration.version)
        }
        return newlyApplied
    }
}
