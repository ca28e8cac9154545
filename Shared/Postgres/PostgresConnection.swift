import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection. Blocking: use it only from a `BlockingExecutor` thread (the pool does
/// this). It is handed between threads by the pool under a lock and never used by two threads at
/// once, which is why it may be marked `@unchecked Sendable`.
public final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Statements prepared on this connection, by SQL text (see `query`).
    private var prepared: [String: String] = [:]
    private var preparedCount = 0
    private let preparesStatements: Bool
    static let maxPreparedStatements = 256

    /// The process's default for `preparesStatements`: true unless the environment says
    /// `DATABASE_PREPARED_STATEMENTS=false` (behind a transaction-mode pooler that does not keep
    /// named statements, PgBouncer < 1.21). Read from the environment here so that every
    /// connection of the process, whoever opens it, follows the one deployment setting.
    public static let preparesStatementsByDefault: Bool = {
        guard let value = getenv("DATABASE_PREPARED_STATEMENTS") else { return true }
        return !["0", "false", "no", "off"].contains(String(cString: value).lowercased())
    }()

    /// Connects with a libpq connection string or `postgresql://` URL. `preparesStatements`:
    /// statements are prepared once per connection and then only bound and executed; turn it off
    /// behind a pooler in transaction mode that does not keep named statements (PgBouncer < 1.21).
    public init(url: String, preparesStatements: Bool = PostgresConnection.preparesStatementsByDefault) throws {
        self.preparesStatements = preparesStatements
        guard let handle = PQconnectdb(url) else {
            throw PostgresError(kind: .connection, message: "out of memory allocating a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.errorText(handle)
            PQfinish(handle)
            throw PostgresError(kind: .connection, message: message)
        }
        self.handle = handle
    }

    deinit { PQfinish(handle) }

    /// False once the socket broke; the pool then discards the connection.
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// True while a transaction is open (including a failed one that needs ROLLBACK).
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Runs one parameterized statement. `nil` parameters are SQL NULL.
    ///
    /// Queries (SELECT, INSERT, UPDATE, DELETE, WITH) are prepared on first use and then only
    /// bound and executed: parsing and planning were a third of Postgres' CPU for a short REST
    /// request or an ingest batch (the statements are the same few static texts). Postgres
    /// re-plans a prepared statement by itself after a schema change.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresParameter)?] = []) throws -> QueryResult {
        let texts = parameters.map { $0?.postgresText }
        let result: OpaquePointer? = withCStrings(texts) { pointers in
            if let name = statementName(sql, parameterCount: pointers.count) {
                return PQexecPrepared(handle, name, Int32(pointers.count), pointers, nil, nil, 0)
            }
            return PQexecParams(handle, sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
        }
        do {
            return try consume(result)
        } catch let error as PostgresError where error.sqlState == "0A000" {
            // "cached plan must not change result type" (a column added under a prepared
            // statement): prepare it afresh next time.
            prepared[sql] = nil
            throw error
        }
    }

    /// The prepared statement for `sql`, preparing it now if it is a query worth preparing; nil
    /// runs it unprepared (transaction control, scripts, a failed transaction, a full cache).
    private func statementName(_ sql: String, parameterCount: Int) -> String? {
        guard preparesStatements else { return nil }
        if let name = prepared[sql] { return name }
        guard prepared.count < Self.maxPreparedStatements, Self.isPreparable(sql) else { return nil }
        preparedCount += 1
        let name = "ccr_\(preparedCount)"
        guard let result = PQprepare(handle, name, sql, Int32(parameterCount), nil) else { return nil }
        defer { PQclear(result) }
        // A statement that does not prepare (an aborted transaction, an error in it) runs
        // unprepared, which reports the error the caller expects.
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { return nil }
        prepared[sql] = name
        return name
    }

    static func isPreparable(_ sql: String) -> Bool {
        let word = sql.utf8.drop { $0 == 32 || $0 == 10 || $0 == 9 || $0 == 13 }.prefix(6).map { $0 | 0x20 }
        for keyword in ["select", "insert", "update", "delete"] where word.elementsEqual(keyword.utf8) { return true }
        return word.prefix(4).elementsEqual("with".utf8)
    }

    /// Runs SQL text without parameters; it may hold several statements (migrations). Never pass
    /// user input here.
    public func execute(script sql: String) throws {
        _ = try consume(PQexec(handle, sql))
    }

    private func consume(_ result: OpaquePointer?) throws -> QueryResult {
        guard let result else {
            throw PostgresError(kind: isHealthy ? .query : .connection, message: Self.errorText(handle))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.read(result)
        default:
            let message = String(cString: PQresultErrorMessage(result)).trimmingTrailingWhitespace()
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let kind: PostgresError.Kind = isHealthy ? .query : .connection
            throw PostgresError(kind: kind, message: message.isEmpty ? Self.errorText(handle) : message, sqlState: state)
        }
    }

    private static func read(_ result: OpaquePointer) -> QueryResult {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        var index: [String: Int] = [:]
        for column in 0..<columnCount {
            let name = String(cString: PQfname(result, Int32(column)))
            columns.append(name)
            if index[name] == nil { index[name] = column }
        }
        var rows: [QueryResult.Row] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(QueryResult.Row(values: values, columnIndex: index))
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(columns: columns, rows: rows, affectedRows: affected)
    }

    private static func errorText(_ handle: OpaquePointer) -> String {
        String(cString: PQerrorMessage(handle)).trimmingTrailingWhitespace()
    }
}

/// Calls `body` with C strings for each element (NULL for nil), freed afterwards.
private func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let duplicated: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
    defer { duplicated.forEach { free($0) } }
    return body(duplicated.map { $0.map { UnsafePointer($0) } })
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var copy = self
        while let last = copy.last, last.isWhitespace { copy.removeLast() }
        return copy
    }
}
