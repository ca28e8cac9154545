public import AccessTokens
import Base64Encoding
import JSONValue
public import Postgres

/// The key a request authenticated with: which company it acts for and what it may do.
public struct APIKeyIdentity: Sendable, Equatable {
    public let id: String
    public let companyID: String
    public let scopes: Set<String>
    public let expiresAt: Double?

    public init(id: String, companyID: String, scopes: Set<String>, expiresAt: Double?) {
        self.id = id
        self.companyID = companyID
        self.scopes = scopes
        self.expiresAt = expiresAt
    }

    /// Who did it, in audit rows and logs: `key:<id>`.
    public var subject: String { "key:" + id }

    /// Claims for the tenant scope of the key's company. The role is the least one; no role check
    /// applies to a key (its scopes do).
    public var claims: AccessClaims {
        AccessClaims(subject: subject, companyID: companyID, role: .viewer, email: nil, expiresAt: expiresAt ?? .infinity)
    }
}

/// Why a presented key was refused (the message is safe to show: a wrong secret and an unknown
/// prefix read the same, and only the holder of the whole key learns that it was revoked or expired).
public struct APIKeyRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable { case malformed, unknown, revoked, expired }
    public let reason: Reason

    public init(reason: Reason) {
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .malformed, .unknown: return "invalid API key"
        case .revoked: return "this API key was revoked"
        case .expired: return "this API key has expired"
        }
    }
}

/// Authenticates service API keys: the key's row comes from `api_key_by_prefix` (migration 8, the
/// one cross-tenant read) and is reused for `cacheSeconds` (default 2), so a revocation takes
/// effect within that time without a database round trip per request; the SHA-256 of the
/// presented key is compared with the stored one in constant time on every use, and the expiry
/// is checked on every use. `last_used_at` is written at most once per `touchIntervalSeconds` per
/// key and process.
public final class APIKeyAuthenticator: Sendable {
    struct Record: Sendable {
        let id: String
        let companyID: String
        let hash: [UInt8]
        let scopes: Set<String>
        let expiresAt: Double?
        let revoked: Bool
    }

    private let pool: PostgresPool
    private let now: @Sendable () -> Double
    /// Key rows by prefix (nil: no such key).
    private let records: ExpiringCache<String, Record?>
    /// Keys whose `last_used_at` was written recently.
    private let touched: ExpiringCache<String, Bool>

    public init(pool: PostgresPool, cacheSeconds: Double = 2, touchIntervalSeconds: Double = 60, now: @escaping @Sendable () -> Double) {
        self.pool = pool
        self.records = ExpiringCache(seconds: cacheSeconds)
        self.touched = ExpiringCache(seconds: touchIntervalSeconds)
        self.now = now
    }

    /// The identity of a valid key; throws `APIKeyRefusal` (401) or a `PostgresError`.
    public func authenticate(_ presented: String) async throws -> APIKeyIdentity {
        guard let prefix = APIKeyFormat.prefix(of: presented) else { throw APIKeyRefusal(reason: .malformed) }
        let time = now()
        guard let record = try await record(prefix: prefix, time: time),
              ConstantTime.equal(APIKeyFormat.hash(presented), record.hash)
        else { throw APIKeyRefusal(reason: .unknown) }
        if record.revoked { throw APIKeyRefusal(reason: .revoked) }
        if let expiresAt = record.expiresAt, expiresAt <= time { throw APIKeyRefusal(reason: .expired) }
        await touch(record.id, time: time)
        return APIKeyIdentity(id: record.id, companyID: record.companyID, scopes: record.scopes, expiresAt: record.expiresAt)
    }

    private func record(prefix: String, time: Double) async throws -> Record? {
        if let cached = records.value(for: prefix, now: time) { return cached }
        let row = try await pool.withConnection { connection in
            try connection.query("""
                SELECT id::text AS id, company_id::text AS company_id, encode(secret_hash, 'base64') AS hash,
                       array_to_json(scopes)::text AS scopes, extract(epoch FROM expires_at)::float8 AS expires_at,
                       revoked_at IS NOT NULL AS revoked
                FROM api_key_by_prefix($1)
                """, [prefix]).first
        }
        let record = try row.map { row in
            let scopes = (try? JSONParser.parse(row["scopes"] ?? "[]"))?.arrayValue?.compactMap(\.stringValue) ?? []
            return Record(id: try row.require("id"), companyID: try row.require("company_id"),
                          // Postgres' base64 breaks lines every 76 characters (a 32-byte hash never reaches that).
                          hash: Base64.decode(Array(try row.require("hash").utf8).filter { $0 != 10 }) ?? [],
                          scopes: Set(scopes), expiresAt: row["expires_at"].flatMap(Double.init), revoked: row.bool("revoked") ?? true)
        }
        records.store(record, for: prefix, now: time)
        return record
    }

    /// Records the use (`api_key_touch`), at most once per interval per key; a failure here does
    /// not fail the request.
    private func touch(_ id: String, time: Double) async {
        // Two concurrent first uses may both write; harmless (the same timestamp, twice).
        guard touched.value(for: id, now: time) == nil else { return }
        touched.store(true, for: id, now: time)
        _ = try? await pool.withConnection { connection in
            try connection.query("SELECT api_key_touch($1::uuid)", [id]).affectedRows
        }
    }

    /// Forgets cached rows (tests; a process that just revoked a key itself).
    public func forgetAll() {
        records.removeAll()
    }
}
