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

    /// A read-only transaction (GET routes): a write in it fails, and its COMMIT is not waited
    /// for, so the whole request is one round trip to Postgres (see `withTransaction`).
    public func read<T: Sendable>(
        _ claims: AccessClaims, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await run(claims, readOnly: true, body)
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
                    let sql: String
                    let parameters: [(any PostgresParameter)?]
                    let check: (QueryResult) throws -> Void
                    if let pending {
                        sql = "SELECT enter_tenant($1::uuid) AS present, " + AccessCheck.roleExpression(company: 1, user: 2, session: 3) + " AS role"
                        parameters = [claims.companyID, pending.key.userID, pending.key.sessionID]
                        check = { result in
                            let row = result.first
                            let role = row?["role"].flatMap(Role.init(rawValue:))
                            pending.record(role)
                            guard let role else { throw APIFunction.notAMember }
                            if role < pending.assumed { throw AccessRetry(role: role) }
                            guard row?["present"] == "t" else { throw APIFunction.notAMember }
                        }
                    } else {
                        sql = "SELECT enter_tenant($1::uuid) AS present"
                        parameters = [claims.companyID]
                        check = { result in
                            guard result.first?["present"] == "t" else {
                                throw FunctionError.forbidden("the token's company does not exist or you are not a member of it")
                            }
                        }
                    }
                    if readOnly {
                        // A read: the check travels with the body's first query (one round trip).
                        // That query runs before the check has seen the answer, but its result
                        // reaches the body only if the check passes; it cannot write (READ ONLY).
                        connection.sendAhead(sql, parameters, check: check)
                    } else {
                        // A write: checked before any of the body runs (BEGIN goes with it).
                        try check(try connection.query(sql, parameters))
                    }
                    return try body(connection)
                }
            }
        } catch let error as PostgresError where error.kind == .connection {
            throw FunctionError.unavailable("database unavailable, retry later")
        }
    }
}
