import Access
import FunctionRuntime
public import AccessTokens
public import Postgres

/// Database access for a request: every query runs inside the caller's tenant scope (a
/// transaction with `app.company_id` set from the verified token), and only when that company
/// exists (else 403).
public struct TenantDatabase: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func transaction<T: Sendable>(
        _ claims: AccessClaims, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await run(claims, readOnly: false, body)
    }

    /// A read-only transaction (GET routes): a write in it fails. Pipelined (the REST functions'
    /// default, `APIDependencies.pipelinesDatabase`) its COMMIT is not waited for and the whole
    /// request is one round trip to Postgres (see `withTransaction`); without, each statement is one.
    public func read<T: Sendable>(
        _ claims: AccessClaims, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await run(claims, readOnly: true, body)
    }

    /// A read whose answer changes only with the company's creator list (`GET /api/creators`;
    /// the version is migration 15's): answered from `cache` while the version it was built at is
    /// current, which costs one statement (the tenant, the version and any pending access check),
    /// run outside a transaction. Otherwise `body` builds it in a read-only transaction, after
    /// reading the version it is stored at: a page is never stored under a version newer than its
    /// data (a change committed in between makes the page newer than its version: a miss later).
    public func readVersioned(
        _ claims: AccessClaims, cache: VersionedPageCache, _ body: @escaping @Sendable (PostgresConnection) throws -> [UInt8]
    ) async throws -> [UInt8] {
        guard TenantID.isValid(claims.companyID) else { throw FunctionError.forbidden("the token's company is not valid") }
        let pending = PendingAccess.current.flatMap { $0.result == nil ? $0 : nil }
        let company = claims.companyID.lowercased()
        let enter = "e.present, e.version FROM enter_tenant_for_creator_list($1::uuid) e"
        do {
            return try await pool.withConnection { connection in
                let admission = Self.admission(claims, pending: pending, enter: enter)
                let result = try connection.query(admission.sql, admission.parameters)
                try admission.check(result)
                if let version = result.first?["version"].flatMap({ Int64($0) }), let page = cache.page(company: company, version: version) {
                    return page
                }
                return try connection.withTransaction(readOnly: true) {
                    let row = try connection.query("SELECT " + enter, [company]).first
                    guard row?["present"] == "t", let version = row?["version"].flatMap({ Int64($0) }) else {
                        throw FunctionError.forbidden("the token's company does not exist or you are not a member of it")
                    }
                    let page = try body(connection)
                    cache.store(page, company: company, version: version)
                    return page
                }
            }
        } catch let error as PostgresError where error.kind == .connection {
            throw FunctionError.unavailable("database unavailable, retry later")
        }
    }

    private func run<T: Sendable>(
        _ claims: AccessClaims, readOnly: Bool, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        guard TenantID.isValid(claims.companyID) else { throw FunctionError.forbidden("the token's company is not valid") }
        // The member's role, when the request could not take it from the access check's cache:
        // read in the same statement, checked before anything else runs (see `PendingAccess`).
        let pending = PendingAccess.current.flatMap { $0.result == nil ? $0 : nil }
        do {
            return try await pool.withConnection { connection in
                try connection.withTransaction(readOnly: readOnly) {
                    // One statement (migration 6) sets the transaction-local tenant and checks the
                    // company: a valid signature does not make the company real (deleted, or never
                    // created); such a token is refused like any caller who is not a member of the
                    // company, before a write could reach a foreign-key error.
                    let admission = Self.admission(claims, pending: pending, enter: "enter_tenant($1::uuid) AS present")
                    if readOnly {
                        // A read: the check travels with the body's first query (one round trip
                        // when pipelining).
                        // That query runs before the check has seen the answer, but its result
                        // reaches the body only if the check passes; it cannot write (READ ONLY).
                        connection.sendAhead(admission.sql, admission.parameters, check: admission.check)
                    } else {
                        // A write: checked before any of the body runs (BEGIN goes with it).
                        try admission.check(try connection.query(admission.sql, admission.parameters))
                    }
                    return try body(connection)
                }
            }
        } catch let error as PostgresError where error.kind == .connection {
            throw FunctionError.unavailable("database unavailable, retry later")
        }
    }

    /// The statement that enters the tenant scope: `SELECT <enter>` (whose `present` column says
    /// whether the company exists, its `$1` the company), with the member's role read in the same
    /// statement when the access check is pending; and the check of its answer.
    private static func admission(
        _ claims: AccessClaims, pending: PendingAccess?, enter: String
    ) -> (sql: String, parameters: [(any PostgresParameter)?], check: @Sendable (QueryResult) throws -> Void) {
        guard let pending else {
            return ("SELECT " + enter, [claims.companyID], { result in
                guard result.first?["present"] == "t" else {
                    throw FunctionError.forbidden("the token's company does not exist or you are not a member of it")
                }
            })
        }
        let sql = "SELECT " + AccessCheck.roleExpression(company: 1, user: 2, session: 3) + " AS role, " + enter
        return (sql, [claims.companyID, pending.key.userID, pending.key.sessionID], { result in
            let row = result.first
            let role = row?["role"].flatMap(Role.init(rawValue:))
            pending.record(role)
            guard let role else { throw APIFunction.notAMember }
            if role < pending.assumed { throw AccessRetry(role: role) }
            guard row?["present"] == "t" else { throw APIFunction.notAMember }
        })
    }
}
