public import Postgres
public import SecretSealing
public import TwitchAPI

/// A creator's Twitch tokens at rest: sealed (AES-256-GCM, `SealingKeyRing`) with the creator id
/// and the token's role as associated data, so a sealed value copied onto another creator's row,
/// or an access token swapped for a refresh token, does not open. Plaintext exists only in memory.
public struct CreatorTokens: Sendable {
    public let keys: SealingKeyRing

    public init(keys: SealingKeyRing) {
        self.keys = keys
    }

    static func context(creatorID: String, role: String) -> String { "creator-link:\(creatorID):\(role)" }

    public func sealAccess(_ token: String, creatorID: String) throws -> String {
        try keys.seal(token, context: Self.context(creatorID: creatorID, role: "access"))
    }

    public func sealRefresh(_ token: String, creatorID: String) throws -> String {
        try keys.seal(token, context: Self.context(creatorID: creatorID, role: "refresh"))
    }

    public func openAccess(_ link: CreatorLink) throws -> String? {
        try link.sealedAccessToken.map { try keys.openString($0, context: Self.context(creatorID: link.creatorID, role: "access")) }
    }

    public func openRefresh(_ link: CreatorLink) throws -> String? {
        try link.sealedRefreshToken.map { try keys.openString($0, context: Self.context(creatorID: link.creatorID, role: "refresh")) }
    }

    /// Stores a fresh grant (link or relink) in the current tenant scope: status linked, the
    /// granted scopes and the types they cover, the sealed tokens.
    public func storeGrant(_ tokens: UserTokens, companyID: String, creatorID: String, twitchUserID: String, authorizedTypes: [String],
                           on connection: PostgresConnection) throws {
        try connection.query("""
            INSERT INTO creator_links (company_id, creator_id, twitch_user_id, status, scopes, authorized_types, access_token,
                                       refresh_token, access_expires_at, validated_at, problem, linked_at, updated_at)
            VALUES ($1, $2, $3, 'linked', $4::text[], $5::text[], $6, $7, now() + make_interval(secs => $8::float8), now(), NULL, now(), now())
            ON CONFLICT (creator_id) DO UPDATE SET
                twitch_user_id = EXCLUDED.twitch_user_id, status = 'linked', scopes = EXCLUDED.scopes,
                authorized_types = EXCLUDED.authorized_types, access_token = EXCLUDED.access_token,
                refresh_token = EXCLUDED.refresh_token, access_expires_at = EXCLUDED.access_expires_at,
                validated_at = now(), problem = NULL, linked_at = now(), updated_at = now()
            """, [companyID, creatorID, twitchUserID, PostgresArray.literal(tokens.scopes), PostgresArray.literal(authorizedTypes),
                  try sealAccess(tokens.accessToken, creatorID: creatorID), try sealRefresh(tokens.refreshToken, creatorID: creatorID),
                  String(tokens.expiresIn)])
    }

    /// Stores refreshed tokens in place of the ones `link` held; false when the row changed
    /// meanwhile (relinked, unlinked, revoked): what is there now wins.
    public func storeRefresh(_ tokens: UserTokens, replacing link: CreatorLink, on connection: PostgresConnection) throws -> Bool {
        let creatorID = link.creatorID
        return try connection.query("""
            UPDATE creator_links SET access_token = $2, refresh_token = $3, access_expires_at = now() + make_interval(secs => $4::float8),
                   validated_at = now(), updated_at = now()
            WHERE creator_id = $1 AND status = 'linked' AND refresh_token = $5
            RETURNING creator_id
            """, [creatorID, try sealAccess(tokens.accessToken, creatorID: creatorID), try sealRefresh(tokens.refreshToken, creatorID: creatorID),
                  String(tokens.expiresIn), link.sealedRefreshToken]).rows.count == 1
    }

    /// Re-seals both tokens under the current key (the `reseal-tokens` command). False when the
    /// row has nothing to reseal.
    public func reseal(_ link: CreatorLink, on connection: PostgresConnection) throws -> Bool {
        guard let access = try openAccess(link), let refresh = try openRefresh(link) else { return false }
        try connection.query("UPDATE creator_links SET access_token = $2, refresh_token = $3 WHERE creator_id = $1",
                             [link.creatorID, try sealAccess(access, creatorID: link.creatorID), try sealRefresh(refresh, creatorID: link.creatorID)])
        return true
    }

    /// The tokens are gone for good (a refresh failed, a token cannot be opened): the link waits
    /// for the creator to link again, and its authorization-only subscriptions pause.
    public static func markNeedsRelink(creatorID: String, problem: String, on connection: PostgresConnection) throws {
        try connection.query("""
            UPDATE creator_links SET status = 'needs_relink', access_token = NULL, refresh_token = NULL, access_expires_at = NULL,
                   problem = $2, updated_at = now()
            WHERE creator_id = $1
            """, [creatorID, problem])
    }
}
