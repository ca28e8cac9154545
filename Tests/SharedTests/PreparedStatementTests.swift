import Postgres
import TestSupport
import Testing

/// `PostgresConnection.query` prepares each query once per connection, re-prepares after a
/// schema change broke the cached plan, and leaves transaction control and aborted
/// transactions to run (and fail) unprepared.
@Suite struct PreparedStatementTests {
    static func preparedTexts(_ connection: PostgresConnection) throws -> [String] {
        try connection.query("SELECT statement FROM pg_prepared_statements").rows.compactMap { $0["statement"] }
    }

    /// Not in local-runner/test's PgBouncer pass: there the process runs with
    /// DATABASE_PREPARED_STATEMENTS=false, which the other test covers.
    @Test(.enabled(if: PostgresConnection.preparesStatementsByDefault, "prepared statements are off in the PgBouncer pass"))
    func queriesArePreparedOnceAndAfreshAfterASchemaChange() throws {
        let connection = try PostgresConnection(url: try TestServices.superuserURL())
        try connection.execute(script: "CREATE TEMP TABLE prepared_probe (id int)")
        try connection.query("INSERT INTO prepared_probe VALUES ($1)", [1])
        let select = "SELECT * FROM prepared_probe WHERE id >= $1"
        #expect(try connection.query(select, [0]).rows.count == 1)
        #expect(try connection.query(select, [0]).rows.count == 1)
        #expect(try Self.preparedTexts(connection).filter { $0 == select }.count == 1, "prepared once, then reused")

        // A column added under the prepared `SELECT *`: Postgres refuses the cached plan once;
        // the next call prepares the statement afresh and sees the new column.
        try connection.execute(script: "ALTER TABLE prepared_probe ADD COLUMN note text")
        #expect { try connection.query(select, [0]) } throws: { ($0 as? PostgresError)?.sqlState == "0A000" }
        #expect(try connection.query(select, [0]).columns == ["id", "note"])

        // Transaction control is not prepared; a statement in an aborted transaction reports that.
        try connection.query("BEGIN")
        #expect(throws: PostgresError.self) { try connection.query("SELECT 1 / $1::int", [0]) }
        #expect { try connection.query("SELECT $1::int + 1 AS two", [1]) } throws: { ($0 as? PostgresError)?.sqlState == "25P02" }
        try connection.query("ROLLBACK")
        #expect(try connection.query("SELECT $1::int + 1 AS two", [1]).first?["two"] == "2")
        #expect(!(try Self.preparedTexts(connection)).contains("BEGIN"))
    }

    @Test func behindATransactionPoolerNothingIsPrepared() throws {
        let connection = try PostgresConnection(url: try TestServices.superuserURL(), preparesStatements: false)
        for _ in 0..<3 { #expect(try connection.query("SELECT $1::int AS n", [7]).first?["n"] == "7") }
        #expect(try Self.preparedTexts(connection).isEmpty)
    }
}
