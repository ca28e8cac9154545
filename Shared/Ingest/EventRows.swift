import JSONValue
public import Postgres
public import Rooms

/// How `events` rows are read back as `CompactEvent`s: one column list and one decoder, used by
/// every reader (REST catch-up, relay recovery, notifications). Ingest builds its events from what
/// it sent and `store_event_rows`' few columns (migration 20); a test pins that both give the same bytes.
public enum EventRows {
    /// Select-list producing the columns `compactEvent(from:)` reads. Timestamps are formatted in
    /// SQL as RFC 3339 UTC so every reader gets byte-identical text.
    public static let returning = """
        id, company_id, creator_id, subscription_type, subscription_version, source,
        broadcaster_user_id,
        to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at_text,
        to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_at_text,
        data::text AS data_text, platform
        """

    public static func compactEvent(from row: QueryResult.Row) throws -> CompactEvent {
        try Columns(row.column).event(row)
    }

    /// Every row, with the columns looked up once.
    public static func compactEvents(from result: QueryResult) throws -> [CompactEvent] {
        let columns = try Columns(result.column)
        return try result.rows.map(columns.event)
    }

    private struct Columns {
        let id, company, creator, type, version, source, broadcaster, occurredAt, receivedAt, data, platform: QueryResult.Column

        init(_ column: (String) throws -> QueryResult.Column) throws {
            id = try column("id")
            company = try column("company_id")
            creator = try column("creator_id")
            type = try column("subscription_type")
            version = try column("subscription_version")
            source = try column("source")
            broadcaster = try column("broadcaster_user_id")
            occurredAt = try column("occurred_at_text")
            receivedAt = try column("received_at_text")
            data = try column("data_text")
            platform = try column("platform")
        }

        func event(_ row: QueryResult.Row) throws -> CompactEvent {
            // `data` is written straight from Postgres' text, the same bytes as parsing and writing it.
            let dataText = try row.require(data)
            let data = (try? CanonicalJSON(parsing: dataText)) ?? CanonicalJSON([:])
            return CompactEvent(
                id: try row.requireInt64(id), companyID: try row.require(company), creatorID: row[creator],
                type: try row.require(type), version: try row.require(version), source: try row.require(source),
                occurredAt: try row.require(occurredAt), receivedAt: try row.require(receivedAt), broadcasterUserID: row[broadcaster],
                data: data, platform: try row.require(platform))
        }
    }
}
