import Postgres
import TestSupport
import Testing

/// Statements sent ahead (`sendAhead`) travel with the next statement (in one round trip when
/// pipelining; every test runs both ways, the results must not differ); their
/// checks and errors still decide what the caller sees, and a read-only transaction's COMMIT is
/// read lazily without changing what the next statement sees.
@Suite struct PipelinedTransactionTests {
    static func connection(pipelines: Bool) throws -> PostgresConnection {
        let connection = try PostgresConnection(url: try TestServices.superuserURL(), pipelines: pipelines)
        try connection.execute(script: "CREATE TEMP TABLE pipeline_probe (id int PRIMARY KEY, note text)")
        return connection
    }

    struct Refused: Error, Equatable {}

    @Test(arguments: [true, false]) func beginAndTheQueuedStatementsGoWithTheFirstQuery(pipelines: Bool) throws {
        let connection = try Self.connection(pipelines: pipelines)
        let backend = try #require(try connection.query("SELECT pg_backend_pid() AS pid").first?["pid"])
        var seen: String?
        let note = try connection.withTransaction {
            #expect(connection.hasStatementsAhead, "BEGIN waits for the first statement")
            connection.sendAhead("SELECT set_config('app.probe', $1, true) AS value", ["ahead"]) { seen = $0.first?["value"] }
            try connection.query("INSERT INTO pipeline_probe VALUES ($1, current_setting('app.probe'))", [1])
            #expect(!connection.hasStatementsAhead)
            #expect(connection.isInTransaction)
            return try connection.query("SELECT note FROM pipeline_probe WHERE id = $1", [1]).first?["note"]
        }
        #expect(seen == "ahead", "the check saw the queued statement's result")
        #expect(note == "ahead", "the queued statement ran first, in the same transaction")
        #expect(!connection.isInTransaction)
        #expect(try connection.query("SELECT current_setting('app.probe', true) AS value").first?["value"] ?? "" == "",
                "transaction-local: gone after COMMIT")
        #expect(try connection.query("SELECT pg_backend_pid() AS pid").first?["pid"] == backend)
    }

    @Test(arguments: [true, false]) func aRefusingCheckHidesTheResultAndRollsBack(pipelines: Bool) throws {
        let connection = try Self.connection(pipelines: pipelines)
        var later: (any Error)?
        #expect(throws: Refused.self) {
            try connection.withTransaction {
                connection.sendAhead("SELECT 1 AS one") { _ in throw Refused() }
                // The statement runs, but its result is never handed over, and a caller that
                // swallows the refusal cannot go on inside the transaction.
                _ = try? connection.query("INSERT INTO pipeline_probe VALUES ($1, 'refused')", [2])
                do { try connection.query("SELECT 1") } catch { later = error }
            }
        }
        #expect(later is Refused)
        #expect(!connection.isInTransaction)
        #expect(try connection.query("SELECT count(*) AS n FROM pipeline_probe").first?["n"] == "0", "rolled back")
        #expect(try connection.query("SELECT 2 AS two").first?["two"] == "2", "the connection is usable again")
    }

    @Test(arguments: [true, false]) func anErrorInAQueuedStatementIsThrownByTheNextQuery(pipelines: Bool) throws {
        let connection = try Self.connection(pipelines: pipelines)
        do {
            try connection.withTransaction {
                connection.sendAhead("SELECT 1 / $1::int", [0])
                try connection.query("INSERT INTO pipeline_probe VALUES ($1, 'after a failure')", [3])
            }
            Issue.record("expected the division by zero")
        } catch let error as PostgresError {
            #expect(error.sqlState == "22012", "the queued statement's own error, not the aborted insert's")
        }
        #expect(!connection.isInTransaction)
        #expect(try connection.query("SELECT count(*) AS n FROM pipeline_probe").first?["n"] == "0")
    }

    @Test(arguments: [true, false]) func aBodyThatRunsNoQueryStillRunsTheChecks(pipelines: Bool) throws {
        let connection = try Self.connection(pipelines: pipelines)
        #expect(throws: Refused.self) {
            try connection.withTransaction { connection.sendAhead("SELECT 1") { _ in throw Refused() } }
        }
        var checked = false
        try connection.withTransaction { connection.sendAhead("SELECT 1") { _ in checked = true } }
        #expect(checked)
        #expect(!connection.isInTransaction)
    }

    @Test(arguments: [true, false]) func aBodyThatThrowsBeforeItsFirstQuerySendsNothing(pipelines: Bool) throws {
        let connection = try Self.connection(pipelines: pipelines)
        #expect(throws: Refused.self) {
            try connection.withTransaction {
                connection.sendAhead("INSERT INTO pipeline_probe VALUES (4, 'never sent')")
                throw Refused()
            }
        }
        #expect(!connection.hasStatementsAhead)
        #expect(try connection.query("SELECT count(*) AS n FROM pipeline_probe").first?["n"] == "0")
    }

    @Test(arguments: [true, false]) func aReadOnlyTransactionRefusesWritesAndCommitsLazily(pipelines: Bool) throws {
        // A real table: READ ONLY still lets a transaction write temporary tables.
        let connection = try PostgresConnection(url: try TestServices.superuserURL(), pipelines: pipelines)
        let table = "pipeline_read_only_\(UInt32.random(in: 0...UInt32.max))"
        try connection.execute(script: "CREATE TABLE \(table) (id int PRIMARY KEY, note text)")
        defer { try? connection.execute(script: "DROP TABLE \(table)") }
        try connection.query("INSERT INTO \(table) VALUES ($1, $2)", [5, "committed"])
        let note = try connection.withTransaction(readOnly: true) {
            try connection.query("SELECT note FROM \(table) WHERE id = $1", [5]).first?["note"]
        }
        #expect(note == "committed")
        // The COMMIT went out unanswered; the connection counts as idle and the next statement
        // reads its answer first, outside any transaction.
        #expect(!connection.isInTransaction)
        #expect(try connection.query("SELECT current_setting('transaction_read_only') AS ro").first?["ro"] == "off",
                "not still inside the read-only transaction")
        #expect { try connection.withTransaction(readOnly: true) { try connection.query("DELETE FROM \(table)") } } throws: {
            ($0 as? PostgresError)?.sqlState == "25006"
        }
        #expect(try connection.query("SELECT count(*) AS n FROM \(table)").first?["n"] == "1")
    }

    @Test(arguments: [true, false]) func setTenantTravelsWithTheNextStatement(pipelines: Bool) throws {
        let connection = try Self.connection(pipelines: pipelines)
        let company = "00000000-0000-4000-8000-000000000001"
        let seen = try connection.withTransaction {
            try connection.setTenant(company)
            return try connection.query("SELECT current_setting('app.company_id') AS company").first?["company"]
        }
        #expect(seen == company)
        #expect(throws: PostgresError.self) { try connection.setTenant(company) }  // no transaction
    }
}
