public import AccessTokens
public import Postgres

/// Who a token speaks for, as the access check looks it up: a user in a company, through a
/// session (nil for tokens that belong to no session: development tokens).
public struct AccessKey: Hashable, Sendable {
    public let companyID: String
    public let userID: String
    public let sessionID: String?

    public init(companyID: String, userID: String, sessionID: String?) {
        self.companyID = companyID
        self.userID = userID
        self.sessionID = sessionID
    }

    public init(_ claims: AccessClaims) {
        self.init(companyID: claims.companyID, userID: claims.subject, sessionID: claims.sessionID)
    }
}

/// Memberships are the source of truth: a request acts with the member's current role, never
/// more than its token says, and not at all when the membership (or the session) is gone — a
/// valid signature is not enough. The answer comes from Postgres (`access_roles`, migration 7)
/// and is reused for `cacheSeconds` (default 2), so removing or demoting a member takes effect
/// within that time without a database round trip on every request.
public final class AccessCheck: Sendable {
    private let pool: PostgresPool
    private let now: @Sendable () -> Double
    private let roles: ExpiringCache<AccessKey, Role?>

    public init(pool: PostgresPool, cacheSeconds: Double = 2, now: @escaping @Sendable () -> Double) {
        self.pool = pool
        self.roles = ExpiringCache(seconds: cacheSeconds, capacity: 50_000)
        self.now = now
    }

    /// The role `claims` may act with: the lower of the token's role and the membership's; nil
    /// when the user is not a member of the token's company (or its session ended).
    public func effectiveRole(_ claims: AccessClaims) async throws -> Role? {
        guard let memberRole = try await role(AccessKey(claims)) else { return nil }
        return min(memberRole, claims.role)
    }

    /// The member's current role (cached).
    public func role(_ key: AccessKey) async throws -> Role? {
        if let cached = cached(key) { return cached }
        let time = now()
        let role = try await currentRoles([key])[0]
        remember(role, for: key, at: time)
        return role
    }

    /// The cached answer: nil when there is none (or it is too old); `.some(nil)` when the user is
    /// known to be no member.
    public func cached(_ key: AccessKey) -> Role?? {
        roles.value(for: key, now: now())
    }

    /// Records an answer found elsewhere (the REST functions read it in the request's own
    /// transaction, see `TenantDatabase`).
    public func remember(_ role: Role?, for key: AccessKey, at time: Double? = nil) {
        roles.store(role, for: key, now: time ?? now())
    }

    /// The SQL expression of one key's current role (NULL: no member), for a statement that does
    /// more in the same round trip; parameters `$company`, `$user`, `$session` as uuid text.
    public static func roleExpression(company: Int, user: Int, session: Int) -> String {
        "(SELECT role FROM access_roles(ARRAY[$\(company)::uuid], ARRAY[$\(user)::uuid], ARRAY[$\(session)::uuid]))"
    }

    /// Current roles for many keys in one query, uncached (the relay's sweep over open sockets).
    public func currentRoles(_ keys: [AccessKey]) async throws -> [Role?] {
        // Ids that are not UUIDs (a token minted for a made-up subject) can be no member.
        let valid = keys.map(Self.isWellFormed)
        let asked = zip(keys, valid).filter(\.1).map(\.0)
        guard !asked.isEmpty else { return keys.map { _ in nil } }
        let companies = "{" + asked.map(\.companyID).joined(separator: ",") + "}"
        let users = "{" + asked.map(\.userID).joined(separator: ",") + "}"
        let sessions = "{" + asked.map { $0.sessionID ?? "NULL" }.joined(separator: ",") + "}"
        let rows = try await pool.withConnection { connection in
            try connection.query("SELECT role FROM access_roles($1::uuid[], $2::uuid[], $3::uuid[])", [companies, users, sessions]).rows
        }
        var answers = rows.map { $0["role"].flatMap(Role.init(rawValue:)) }.makeIterator()
        return valid.map { $0 ? (answers.next() ?? nil) : nil }
    }

    /// Whether the key's ids are UUIDs: a token minted for a made-up subject can be no member.
    public static func isWellFormed(_ key: AccessKey) -> Bool {
        TenantID.isValid(key.companyID) && TenantID.isValid(key.userID) && (key.sessionID.map(TenantID.isValid) ?? true)
    }

    /// Forgets cached answers (tests; a process that just changed a membership itself).
    public func forget(_ key: AccessKey) {
        roles.remove(key)
    }
}
