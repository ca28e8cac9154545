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
    /// Statements sent ahead go out in one libpq pipeline (see `init` and `sendAhead`).
    private let pipelines: Bool
    static let maxPreparedStatements = 256
    /// Statements queued by `sendAhead`, sent with the next statement in one round trip.
    private var ahead: [AheadStatement] = []
    /// Statements sent without waiting for their result (`finishLazily`); read before the next use.
    private var unreadResults = 0
    /// What a queued statement's check threw: every later statement of the transaction throws it
    /// too, so a body that catches its first query's error cannot go on as if it were admitted.
    private var refusal: (any Error)?

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
    /// `pipelines`: statements sent ahead go out with the next one in one libpq pipeline; off,
    /// they go out one by one with it, and a lazy COMMIT is waited for: the same results and
    /// errors in more round trips. Which functions pipeline, and why: `PostgresPool.fromEnvironment`.
    public init(url: String, preparesStatements: Bool = PostgresConnection.preparesStatementsByDefault,
                pipelines: Bool = false) throws {
        self.preparesStatements = preparesStatements
        self.pipelines = pipelines
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

    /// True while a transaction is open (including a failed one that needs ROLLBACK). A COMMIT
    /// sent lazily ends the transaction whatever its outcome, so it counts as closed.
    public var isInTransaction: Bool {
        if unreadResults > 0 { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// True when statements queued by `sendAhead` have not gone out yet.
    public var hasStatementsAhead: Bool { !ahead.isEmpty }

    /// Queues `sql` to go out together with the next statement, in one round trip (libpq pipeline
    /// mode). `check` sees its result before the next statement's result is handed back and may
    /// throw to refuse it; an error in a queued statement is thrown by that next `query`.
    ///
    /// Why: a short request's transaction was four round trips (BEGIN, the tenant, the query,
    /// COMMIT), each waking Postgres and this thread; BEGIN and the tenant now travel with the
    /// query. The next statement runs even when a queued one's check will refuse it, so it must
    /// be a statement of the same transaction (rolled back on refusal), never one with effects
    /// outside the database.
    public func sendAhead(_ sql: String, _ parameters: [(any PostgresParameter)?] = [], check: ((QueryResult) throws -> Void)? = nil) {
        ahead.append(AheadStatement(sql: sql, texts: parameters.map { $0?.postgresText }, check: check))
    }

    /// Drops queued statements that never went out (the body threw before its first query).
    /// Returns true if there were any.
    @discardableResult
    public func discardAhead() -> Bool {
        defer { ahead.removeAll() }
        refusal = nil
        return !ahead.isEmpty
    }

    /// Sends `sql` (no parameters) without waiting for its result; the result is read before this
    /// connection's next statement. For the COMMIT of a read-only transaction, whose outcome
    /// changes nothing the caller could act on. Queued statements with checks go out normally.
    public func finishLazily(_ sql: String) throws {
        if let refusal { throw refusal }
        guard ahead.isEmpty else {
            try query(sql)
            return
        }
        try readUnreadResults()
        guard pipelines else {
            try query(sql)
            return
        }
        guard PQsendQuery(handle, sql) == 1 else {
            throw PostgresError(kind: isHealthy ? .query : .connection, message: Self.errorText(handle))
        }
        unreadResults += 1
    }

    /// Reads (and drops) the results of statements sent by `finishLazily`.
    private func readUnreadResults() throws {
        while unreadResults > 0 {
            unreadResults -= 1
            while let result = PQgetResult(handle) { PQclear(result) }
        }
        guard isHealthy else { throw PostgresError(kind: .connection, message: Self.errorText(handle)) }
    }

    /// Runs one parameterized statement. `nil` parameters are SQL NULL.
    ///
    /// Queries (SELECT, INSERT, UPDATE, DELETE, WITH) are prepared on first use and then only
    /// bound and executed: parsing and planning were a third of Postgres' CPU for a short REST
    /// request or an ingest batch (the statements are the same few static texts). Postgres
    /// re-plans a prepared statement by itself after a schema change.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresParameter)?] = []) throws -> QueryResult {
        if let refusal { throw refusal }
        try readUnreadResults()
        let texts = parameters.map { $0?.postgresText }
        if !ahead.isEmpty { return try pipeline(AheadStatement(sql: sql, texts: texts, check: nil)) }
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

    /// Sends the queued statements and `last` in one pipeline, reads every result, runs the
    /// checks, and returns `last`'s result. The first error (a queued statement's, a check's, or
    /// `last`'s, in that order) is thrown after every result was read, so the connection is
    /// ready for ROLLBACK.
    private func pipeline(_ last: AheadStatement) throws -> QueryResult {
        let statements = ahead + [last]
        ahead.removeAll()
        guard pipelines else { return try oneByOne(statements) }
        // Prepared statements are made before the pipeline (PQprepare is synchronous).
        let names = statements.map { statementName($0.sql, parameterCount: $0.texts.count) }
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(kind: isHealthy ? .query : .connection, message: Self.errorText(handle))
        }
        defer { _ = PQexitPipelineMode(handle) }
        for (statement, name) in zip(statements, names) {
            let sent: Int32 = withCStrings(statement.texts) { pointers in
                if let name { return PQsendQueryPrepared(handle, name, Int32(pointers.count), pointers, nil, nil, 0) }
                return PQsendQueryParams(handle, statement.sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
            }
            guard sent == 1 else { throw PostgresError(kind: isHealthy ? .query : .connection, message: Self.errorText(handle)) }
        }
        guard PQpipelineSync(handle) == 1 else {
            throw PostgresError(kind: isHealthy ? .query : .connection, message: Self.errorText(handle))
        }
        var outcomes: [Result<QueryResult, PostgresError>] = []
        for statement in statements {
            var outcome: Result<QueryResult, PostgresError>?
            while let result = PQgetResult(handle) {
                if outcome == nil {
                    if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                        outcome = .failure(PostgresError(kind: .query, message: "not run: an earlier statement of the pipeline failed"))
                    } else {
                        outcome = Result { () throws(PostgresError) -> QueryResult in try consumeTyped(result, clear: false) }
                    }
                }
                PQclear(result)
            }
            if case .failure(let error) = outcome, error.sqlState == "0A000" { prepared[statement.sql] = nil }
            outcomes.append(outcome ?? .failure(PostgresError(kind: isHealthy ? .query : .connection, message: Self.errorText(handle))))
        }
        // The sync point's own result, then NULL.
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        for (statement, outcome) in zip(statements.dropLast(), outcomes) {
            let result = try outcome.get()
            do {
                try statement.check?(result)
            } catch {
                refusal = error
                throw error
            }
        }
        return try outcomes[outcomes.count - 1].get()
    }

    /// `pipeline` without pipelining (`DATABASE_PIPELINING=false`): the same order, checks and
    /// first-error rule, one round trip per statement.
    private func oneByOne(_ statements: [AheadStatement]) throws -> QueryResult {
        var result: QueryResult?
        for (index, statement) in statements.enumerated() {
            let name = statementName(statement.sql, parameterCount: statement.texts.count)
            let raw: OpaquePointer? = withCStrings(statement.texts) { pointers in
                if let name { return PQexecPrepared(handle, name, Int32(pointers.count), pointers, nil, nil, 0) }
                return PQexecParams(handle, statement.sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
            }
            let current = try consume(raw)
            if index < statements.count - 1 {
                do { try statement.check?(current) } catch {
                    refusal = error
                    throw error
                }
            }
            result = current
        }
        return result!
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
        if let refusal { throw refusal }
        try readUnreadResults()
        if let last = ahead.popLast() {
            // A script cannot be pipelined: what is queued goes out first (a migration's BEGIN).
            let result = try pipeline(last)
            do { try last.check?(result) } catch {
                refusal = error
                throw error
            }
        }
        _ = try consume(PQexec(handle, sql))
    }

    private func consume(_ result: OpaquePointer?) throws -> QueryResult {
        guard let result else {
            throw PostgresError(kind: isHealthy ? .query : .connection, message: Self.errorText(handle))
        }
        return try consumeTyped(result, clear: true)
    }

    private func consumeTyped(_ result: OpaquePointer, clear: Bool) throws(PostgresError) -> QueryResult {
        defer { if clear { PQclear(result) } }
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

/// A statement queued by `sendAhead`.
private struct AheadStatement {
    let sql: String
    let texts: [String?]
    let check: ((QueryResult) throws -> Void)?
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
