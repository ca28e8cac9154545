import JSONValue
public import Postgres
public import Rooms

/// How `events` rows are read back as `CompactEvent`s: one column list and one decoder, used by
/// every reader (ingest's RETURNING, REST catch-up, relay recovery).
public enum EventRows {
    /// Select-list producing the columns `compactEvent(from:)` reads. Timestamps are formatted in
    /// SQL as RFC 3339 UTC so every reader gets byte-identical text.
    public static let returning = """
        id, company_id, creator_id, twitch_message_id, subscription_type, subscription_version, source,
        broadcaster_user_id,
        to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at_text,
        to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_at_text,
        data::text AS data_text, platform
        """

    public static func compactEvent(from row: QueryResult.Row) throws -> CompactEvent {
        let dataText = try row.require("data_text")
        let data = (try? JSONParser.parse(dataText)) ?? [:]
        return CompactEvent(
            id: try row.requireInt64("id"), companyID: try row.require("company_id"), creatorID: row["creator_id"],
            type: try row.require("subscription_type"), version: try row.require("subscription_version"),
            source: try row.require("source"), occurredAt: try row.require("occurred_at_text"),
            receivedAt: try row.require("received_at_text"), broadcasterUserID: row["broadcaster_user_id"], data: data,
            platform: try row.require("platform"))
    }
}
