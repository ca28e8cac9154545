extension PostgresConnection {
    /// Runs `body` inside BEGIN … COMMIT; any error rolls back and is rethrown.
    ///
    /// BEGIN goes out with the body's first statement (one round trip when pipelining, see
    /// `sendAhead`).
    /// `readOnly`: the transaction is `READ ONLY` (a write in it fails) and its COMMIT is sent
    /// without waiting for the answer, which is read before the connection's next statement:
    /// a read's result does not depend on it, so a pipelined request pays one round trip, not two.
    public func withTransaction<T>(readOnly: Bool = false, _ body: () throws -> T) throws -> T {
        sendAhead(readOnly ? "BEGIN READ ONLY" : "BEGIN")
        do {
            let value = try body()
            if readOnly { try finishLazily("COMMIT") } else { try query("COMMIT") }
            return value
        } catch {
            // Nothing went out (the body threw before its first statement): nothing to roll back.
            // (`discardAhead` also lifts a check's refusal, so the ROLLBACK can go out.)
            if !discardAhead(), isHealthy, isInTransaction { _ = try? query("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` in a transaction whose tenant is `companyId`: every row-level security policy
    /// reads `app.company_id`, which is set transaction-locally (the parameterizable form of
    /// `SET LOCAL`), so it can never leak to the next user of this pooled connection.
    public func withTenantScope<T>(companyId: String, _ body: () throws -> T) throws -> T {
        guard TenantID.isValid(companyId) else {
            throw PostgresError(kind: .query, message: "tenant id is not a UUID: \(companyId)", sqlState: "22P02")
        }
        return try withTransaction {
            try setTenant(companyId)
            return try body()
        }
    }

    /// Switches the tenant inside an already open transaction (used by batched writers that store
    /// rows of several companies in one commit, each under its own company's scope).
    public func setTenant(_ companyId: String) throws {
        // A BEGIN still queued (`sendAhead`) counts as open.
        guard isInTransaction || hasStatementsAhead else {
            throw PostgresError(kind: .query, message: "setTenant needs an open transaction")
        }
        guard TenantID.isValid(companyId) else {
            throw PostgresError(kind: .query, message: "tenant id is not a UUID: \(companyId)", sqlState: "22P02")
        }
        // Goes out with the next statement (or the COMMIT): the scope only matters to what follows.
        sendAhead("SELECT set_config('app.company_id', $1, true)", [companyId])
    }
}

/// Company ids are UUIDs; checking the shape first keeps junk out of `app.company_id`.
public enum TenantID {
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 8, 13, 18, 23:
                if byte != UInt8(ascii: "-") { return false }
            default:
                let isHex = (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70)
                if !isHex { return false }
            }
        }
        return true
    }
}
