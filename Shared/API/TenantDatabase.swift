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
        guard TenantID.isValid(claims.companyID) else { throw FunctionError.forbidden("the token's company is not valid") }
        do {
            return try await pool.withConnection { connection in
                try connection.withTransaction {
                    // One statement (migration 6) sets the transaction-local tenant and checks the
                    // company: a valid signature does not make the company real (deleted, or never
                    // created); such a token is refused like any caller who is not a member of the
                    // company, before a write could reach a foreign-key error.
                    guard try connection.query("SELECT enter_tenant($1::uuid) AS present", [claims.companyID]).first?["present"] == "t" else {
                        throw FunctionError.forbidden("the token's company does not exist or you are not a member of it")
                    }
                    return try body(connection)
                }
            }
        } catch let error as PostgresError where error.kind == .connection {
            throw FunctionError.unavailable("database unavailable, retry later")
        }
    }
}
