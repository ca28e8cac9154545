import FunctionRuntime
public import Auth
public import Postgres

/// Database access for a request: every query runs inside the caller's tenant scope (a
/// transaction with `app.company_id` set from the verified token).
public struct TenantDatabase: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func transaction<T: Sendable>(
        _ claims: AccessClaims, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        do {
            return try await pool.tenant(claims.companyID, body)
        } catch let error as PostgresError where error.kind == .connection {
            throw FunctionError.unavailable("database unavailable, retry later")
        }
    }
}
