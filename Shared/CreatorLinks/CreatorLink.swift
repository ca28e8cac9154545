public import Postgres

/// One company's link for one creator (`creator_links`), tokens still sealed.
public struct CreatorLink: Sendable {
    public enum Status: String, Sendable {
        case linked
        /// A refresh failed (password change, token invalidated): tokens gone, authorization-only
        /// subscriptions paused until the creator links again.
        case needsRelink = "needs_relink"
        /// The creator disconnected our app on Twitch.
        case revoked
    }

    public let companyID: String
    public let creatorID: String
    public let twitchUserID: String
    public let status: Status
    public let scopes: [String]
    public let authorizedTypes: [String]
    public let sealedAccessToken: String?
    public let sealedRefreshToken: String?
    /// Seconds from now until the access token expires (negative: expired); nil without tokens.
    public let accessExpiresInSeconds: Double?
    public let problem: String?

    static let columns = """
        company_id::text AS company_id, creator_id::text AS creator_id, twitch_user_id, status, scopes, authorized_types,
        access_token, refresh_token, extract(epoch FROM access_expires_at - now())::float8 AS expires_in, problem
        """

    init(row: QueryResult.Row) throws {
        companyID = try row.require("company_id")
        creatorID = try row.require("creator_id")
        twitchUserID = try row.require("twitch_user_id")
        status = Status(rawValue: try row.require("status")) ?? .needsRelink
        scopes = row["scopes"].map(PostgresArray.parse) ?? []
        authorizedTypes = row["authorized_types"].map(PostgresArray.parse) ?? []
        sealedAccessToken = row["access_token"]
        sealedRefreshToken = row["refresh_token"]
        accessExpiresInSeconds = row["expires_in"].flatMap(Double.init)
        problem = row["problem"]
    }

    /// The creator's link in the current tenant scope; `forUpdate` locks the row so two refreshes
    /// of one token never race (Twitch may rotate the refresh token).
    public static func load(creatorID: String, forUpdate: Bool = false, on connection: PostgresConnection) throws -> CreatorLink? {
        try connection.query("SELECT \(columns) FROM creator_links WHERE creator_id = $1" + (forUpdate ? " FOR UPDATE" : ""), [creatorID])
            .first.map(CreatorLink.init(row:))
    }
}
