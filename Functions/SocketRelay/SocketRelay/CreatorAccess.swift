import BlockingIO
import NIOConcurrencyHelpers
import Postgres

/// Whether a creator belongs to a company, asked through the tenant-scoped database path (the
/// same row-level security the REST API relies on), cached briefly: a yes for 60 s, a no for 10 s.
final class CreatorAccess: Sendable {
    private let pool: PostgresPool
    private let cache = NIOLockedValueBox<[String: (allowed: Bool, expires: UInt64)]>([:])
    private static let positiveTTL: UInt64 = 60_000_000_000
    private static let negativeTTL: UInt64 = 10_000_000_000

    init(pool: PostgresPool) {
        self.pool = pool
    }

    func cached(companyID: String, creatorID: String) -> Bool? {
        let now = monotonicNanoseconds()
        return cache.withLockedValue { entries in
            guard let entry = entries[companyID + "/" + creatorID], entry.expires > now else { return nil }
            return entry.allowed
        }
    }

    func check(companyID: String, creatorID: String) async throws -> Bool {
        let allowed = try await pool.tenant(companyID) { connection in
            !(try connection.query("SELECT 1 FROM creators WHERE id = $1::uuid AND company_id = current_company_id()", [creatorID]).isEmpty)
        }
        let expires = monotonicNanoseconds() + (allowed ? Self.positiveTTL : Self.negativeTTL)
        cache.withLockedValue { entries in
            if entries.count > 100_000 { entries.removeAll() }
            entries[companyID + "/" + creatorID] = (allowed, expires)
        }
        return allowed
    }
}
