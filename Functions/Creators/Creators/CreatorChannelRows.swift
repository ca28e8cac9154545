import JSONValue
import Postgres
import RumbleAPI
import SecretSealing

/// A creator's channels as the API shows them (`creator_channels`, one row per platform channel),
/// ordered Twitch, YouTube, Rumble. A Twitch channel's live state is the creator's
/// `creator_status` (EventSub's); YouTube's and Rumble's live on their rows. A Rumble row's
/// sealed API URL is never returned: `apiUrlHint` shows its last characters.
enum CreatorChannelRows {
    static let select = """
        SELECT ch.id, ch.creator_id, ch.platform, ch.channel_id, ch.handle, ch.display_name, ch.url, ch.api_url_sealed, ch.check_failures,
               CASE WHEN ch.platform = 'twitch' THEN COALESCE(s.live, false) ELSE ch.live END AS live,
               CASE WHEN ch.platform = 'twitch' THEN s.title ELSE ch.title END AS title,
               CASE WHEN ch.platform = 'twitch' THEN COALESCE(s.viewer_count, 0) ELSE ch.viewer_count END AS viewer_count,
               to_char((CASE WHEN ch.platform = 'twitch' THEN s.started_at ELSE ch.started_at END) AT TIME ZONE 'UTC',
                       'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_at_text,
               CASE WHEN ch.platform = 'twitch' THEN NULL ELSE ch.live_stream_id END AS live_stream_id
        FROM creator_channels ch LEFT JOIN creator_status s ON ch.platform = 'twitch' AND s.creator_id = ch.creator_id
        """

    static let order = " ORDER BY array_position(ARRAY['twitch', 'youtube', 'rumble'], ch.platform), ch.created_at, ch.id"

    static func json(_ row: QueryResult.Row, keys: SealingKeyRing?) -> JSONValue {
        func text(_ name: String) -> JSONValue { row[name].map(JSONValue.string) ?? .null }
        var hint: JSONValue = .null
        if let sealed = row["api_url_sealed"], let id = row["id"], let keys,
           let url = try? keys.openSecret(sealed, context: RumbleLivestreamKey.sealingContext(channelRowID: id)),
           let key = try? RumbleLivestreamKey(parsing: url.reveal()) {
            hint = .string(key.hint)
        }
        return [
            "id": text("id"), "platform": text("platform"), "channelId": text("channel_id"), "handle": text("handle"),
            "displayName": text("display_name"), "url": text("url"), "live": .bool(row.bool("live") ?? false), "title": text("title"),
            "viewerCount": .int(Int64(row["viewer_count"] ?? "0") ?? 0), "startedAt": text("started_at_text"),
            "liveStreamId": text("live_stream_id"), "checkFailures": .int(Int64(row["check_failures"] ?? "0") ?? 0), "apiUrlHint": hint,
        ]
    }

    /// The channels of one creator, or of every creator of the tenant (nil), by creator id.
    static func load(creatorID: String?, keys: SealingKeyRing?, on connection: PostgresConnection) throws -> [String: [JSONValue]] {
        let rows = try creatorID.map { try connection.query(select + " WHERE ch.creator_id = $1" + order, [$0]) }
            ?? connection.query(select + order)
        var channels: [String: [JSONValue]] = [:]
        for row in rows.rows { channels[try row.require("creator_id"), default: []].append(json(row, keys: keys)) }
        return channels
    }

    /// One channel row of a creator.
    static func one(id: String, creatorID: String, keys: SealingKeyRing?, on connection: PostgresConnection) throws -> JSONValue? {
        try connection.query(select + " WHERE ch.id = $1 AND ch.creator_id = $2", [id, creatorID]).first.map { json($0, keys: keys) }
    }
}
