import Glibc
import Postgres

/// After a benchmark seeds its rows: statistics for the planner (VACUUM ANALYZE) and the seeded
/// pages written out (CHECKPOINT), so the measurement sees a settled database, as production
/// has, and not autovacuum re-planning mid-run or the load's checkpoint competing for the disk.
enum SettledDatabase {
    /// `connection`: the cluster's superuser (CHECKPOINT needs it), in the benchmark's database.
    static func settle(_ connection: PostgresConnection) throws {
        // Separate statements: a multi-statement string runs as one implicit transaction, which
        // VACUUM refuses.
        try connection.execute(script: "VACUUM ANALYZE")
        try connection.execute(script: "CHECKPOINT")
        // And the rest of the machine's dirty pages (a previous run's files, the seed's WAL):
        // the kernel's writeback of them showed up as a third of a core in the measurement.
        sync()
    }
}
