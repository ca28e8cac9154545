public import Postgres

/// What a link asks for, as `creator_link_request()` / `creator_link_take()` report it.
public struct LinkRequest: Sendable {
    public enum Outcome: String, Sendable {
        /// Usable (for `take`: taken by this call).
        case open
        case used
        case expired
        case unknown
    }

    public let outcome: Outcome
    public let companyID: String?
    public let creatorID: String?
    public let companyName: String?
    public let creatorLogin: String?
    public let creatorDisplayName: String?
    public let twitchUserID: String?
    public let scopes: [String]
    public let eventTypes: [String]
    public let expiresAt: String?

    init(row: QueryResult.Row) {
        outcome = Outcome(rawValue: row["outcome"] ?? "") ?? .unknown
        companyID = row["company_id"]
        creatorID = row["creator_id"]
        companyName = row["company_name"]
        creatorLogin = row["creator_login"]
        creatorDisplayName = row["creator_display_name"]
        twitchUserID = row["twitch_user_id"]
        scopes = row["scopes"].map(PostgresArray.parse) ?? []
        eventTypes = row["event_types"].map(PostgresArray.parse) ?? []
        expiresAt = row["expires_at_text"]
    }

    static let columns = """
        outcome, company_id::text AS company_id, creator_id::text AS creator_id, company_name, creator_login, creator_display_name,
        twitch_user_id, scopes, event_types,
        to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS expires_at_text
        """

    /// Reads a request without taking it (the link page). Any connection as the app role.
    public static func peek(state: String, on connection: PostgresConnection) throws -> LinkRequest {
        guard LinkState.isWellFormed(state) else { return .unknown }
        let row = try connection.query("SELECT \(columns) FROM creator_link_request(decode($1, 'base64'))", [LinkState.hash(state)]).first
        return row.map(LinkRequest.init(row:)) ?? .unknown
    }

    /// Takes a request once (the callback): `.open` only for the one caller that took it; the
    /// transaction's tenant is the request's company afterwards (call inside a transaction).
    public static func take(state: String, on connection: PostgresConnection) throws -> LinkRequest {
        guard LinkState.isWellFormed(state) else { return .unknown }
        let row = try connection.query("SELECT \(columns) FROM creator_link_take(decode($1, 'base64'))", [LinkState.hash(state)]).first
        return row.map(LinkRequest.init(row:)) ?? .unknown
    }

    static let unknown = LinkRequest(unknown: ())

    private init(unknown: Void) {
        outcome = .unknown
        companyID = nil; creatorID = nil; companyName = nil; creatorLogin = nil; creatorDisplayName = nil; twitchUserID = nil
        scopes = []; eventTypes = []; expiresAt = nil
    }

    /// Creates a request for a creator of the current tenant (call in the company's tenant scope):
    /// the scopes its enabled types need, 15 minutes. Returns the state (shown once) and the row.
    public static func create(companyID: String, creatorID: String, eventTypes: [String], scopes: [String], requestedBy: String?,
                              on connection: PostgresConnection) throws -> (state: String, expiresAt: String) {
        let state = LinkState.generate()
        let expires = try connection.query("""
            INSERT INTO creator_link_requests (state_hash, company_id, creator_id, scopes, event_types, requested_by)
            VALUES (decode($1, 'base64'), $2, $3, $4::text[], $5::text[], $6)
            RETURNING to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS expires_at
            """, [LinkState.hash(state), companyID, creatorID, PostgresArray.literal(scopes), PostgresArray.literal(eventTypes), requestedBy])
            .first!.require("expires_at")
        return (state, expires)
    }
}
