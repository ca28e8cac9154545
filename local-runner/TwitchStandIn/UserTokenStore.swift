/// The user side of `id.twitch.tv`: authorization codes and the access and refresh tokens issued
/// for them. One approved authorize request is one grant; refreshing keeps the grant and replaces
/// its refresh token. Records stay after they stop working, so a test can count what was revoked.
/// A plain value kept inside `StandInState`'s lock.
struct UserTokenStore {
    struct Code {
        let userID: String
        let scopes: [String]
        let redirectURI: String
        let expiresAt: Double
    }

    enum Kind { case access, refresh }

    /// Why a token stopped working before its time.
    enum Invalidation {
        /// `/oauth2/revoke`, a disconnect or a password change.
        case revoked
        /// A refresh token that was used (replaced by the new one).
        case rotated
    }

    struct Token {
        let kind: Kind
        let grantID: Int
        let userID: String
        /// The grant's scopes, in the order the authorize request asked for them.
        let scopes: [String]
        /// Unix seconds; refresh tokens of a confidential client never expire.
        var expiresAt: Double
        var invalidation: Invalidation?

        func isUsable(now: Double) -> Bool { invalidation == nil && expiresAt > now }
    }

    /// A new access and refresh token pair.
    struct Pair {
        let accessToken: String
        let refreshToken: String
        let scopes: [String]
    }

    enum RedeemFailure: Error {
        /// Unknown, already used or expired.
        case invalidCode
        /// The code was issued for another redirect URI (the code is used up all the same).
        case redirectMismatch
    }

    private(set) var codes: [String: Code] = [:]
    private(set) var tokens: [String: Token] = [:]
    private var nextGrantID = 1

    mutating func issueCode(userID: String, scopes: [String], redirectURI: String, now: Double, lifetime: Double) -> String {
        codes = codes.filter { $0.value.expiresAt > now }
        let code = StandInIdentifiers.accessToken()
        codes[code] = Code(userID: userID, scopes: scopes, redirectURI: redirectURI, expiresAt: now + lifetime)
        return code
    }

    /// Takes a code out, whatever the outcome: a code works once, and a code shown with the wrong
    /// redirect URI is burnt rather than left for a second guess (RFC 6749 §10.5).
    mutating func redeem(code: String, redirectURI: String, now: Double) -> Result<Code, RedeemFailure> {
        guard let issued = codes.removeValue(forKey: code), issued.expiresAt > now else { return .failure(.invalidCode) }
        guard issued.redirectURI == redirectURI else { return .failure(.redirectMismatch) }
        return .success(issued)
    }

    /// Tokens for a new grant (`grantID` nil) or the next pair of an existing one.
    mutating func issuePair(userID: String, scopes: [String], grantID: Int? = nil, now: Double, accessLifetime: Double) -> Pair {
        let grant = grantID ?? nextGrant()
        let access = StandInIdentifiers.accessToken()
        // Twitch's refresh tokens are longer than its access tokens; 50 characters tells them apart.
        let refresh = StandInIdentifiers.accessToken() + String(StandInIdentifiers.accessToken().prefix(20))
        tokens[access] = Token(kind: .access, grantID: grant, userID: userID, scopes: scopes, expiresAt: now + accessLifetime)
        tokens[refresh] = Token(kind: .refresh, grantID: grant, userID: userID, scopes: scopes, expiresAt: .infinity)
        return Pair(accessToken: access, refreshToken: refresh, scopes: scopes)
    }

    private mutating func nextGrant() -> Int {
        defer { nextGrantID += 1 }
        return nextGrantID
    }

    /// A new pair for a usable refresh token; the refresh token used stops working. Access tokens
    /// issued earlier stay valid until they expire (Twitch allows up to 50 per refresh token, so
    /// refreshing does not end the old ones; the limit itself is not modelled).
    mutating func refresh(_ refreshToken: String, now: Double, accessLifetime: Double) -> Pair? {
        guard let old = tokens[refreshToken], old.kind == .refresh, old.isUsable(now: now) else { return nil }
        tokens[refreshToken]?.invalidation = .rotated
        return issuePair(userID: old.userID, scopes: old.scopes, grantID: old.grantID, now: now, accessLifetime: accessLifetime)
    }

    /// A usable access token's record.
    func accessToken(_ token: String, now: Double) -> Token? {
        guard let record = tokens[token], record.kind == .access, record.isUsable(now: now) else { return nil }
        return record
    }

    /// `/oauth2/revoke`: the token, and with it its grant's refresh token (no new access tokens
    /// can come from a revoked grant). False for unknown or no longer usable tokens.
    mutating func revoke(_ token: String, now: Double) -> Bool {
        guard let record = tokens[token], record.isUsable(now: now) else { return false }
        tokens[token]?.invalidation = .revoked
        for (other, candidate) in tokens
        where candidate.grantID == record.grantID && candidate.kind == .refresh && candidate.isUsable(now: now) {
            tokens[other]?.invalidation = .revoked
        }
        return true
    }

    /// Every usable token of the user stops working, and their outstanding codes with them
    /// (disconnect, password change). Returns how many tokens that ended.
    @discardableResult
    mutating func revokeAll(userID: String, now: Double) -> Int {
        codes = codes.filter { $0.value.userID != userID }
        var count = 0
        for (token, record) in tokens where record.userID == userID && record.isUsable(now: now) {
            tokens[token]?.invalidation = .revoked
            count += 1
        }
        return count
    }

    /// Every usable token of any user stops working.
    mutating func revokeEverything(now: Double) {
        for (token, record) in tokens where record.isUsable(now: now) { tokens[token]?.invalidation = .revoked }
        codes.removeAll()
    }

    /// The user's access tokens expire now; their refresh tokens keep working.
    mutating func expireAccessTokens(userID: String, now: Double) {
        for (token, record) in tokens where record.userID == userID && record.kind == .access && record.isUsable(now: now) {
            tokens[token]?.expiresAt = now
        }
    }

    /// Usable access tokens, usable refresh tokens and revoked tokens (either kind) of the user.
    func counts(userID: String, now: Double) -> (access: Int, refresh: Int, revoked: Int) {
        var access = 0, refresh = 0, revoked = 0
        for record in tokens.values where record.userID == userID {
            if record.invalidation == .revoked { revoked += 1 }
            guard record.isUsable(now: now) else { continue }
            if record.kind == .access { access += 1 } else { refresh += 1 }
        }
        return (access, refresh, revoked)
    }
}
