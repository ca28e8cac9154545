import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection. Blocking: use it only from a `BlockingExecutor` thread (the pool does
/// this). It is handed between threads by the pool under a lock and never used by two threads at
/// once, which is why it may be marked `@unchecked Sendable`.
public final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer

    /// Connects with a libpq connection string or `postgresql://` URL.
    public init(url: String) throws {
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
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresParameter)?] = []) throws -> QueryResult {
        let texts = parameters.map { $0?.postgresText }
        let result: OpaquePointer? = withCStrings(texts) { pointers in
            PQexecParams(handle, sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
        }
        return try consume(result)
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
