import Postgres
import RumbleAPI

/// One company's Rumble channel row as `tracked_channels('rumble')` reports it: who tracks it,
/// the sealed API URL, the live state the last poll (or event) left, and the backoff counter.
struct RumbleChannelRow: Sendable, Equatable {
    let companyID: String
    let creatorID: String
    let rowID: String
    /// The channel's name as the Live Stream API reports it (what events are routed by).
    let channelID: String
    let handle: String?
    let displayName: String
    let sealedAPIURL: String?
    let live: Bool
    let liveStreamID: String?
    let title: String?
    let viewerCount: Int
    let checkFailures: Int

    /// What `RumbleTransition` compares a fetch with: the row's one live stream, if any.
    var state: RumbleChannelState {
        guard live, let liveStreamID else { return .offline }
        return RumbleChannelState(live: [.init(id: liveStreamID, title: title ?? "", createdOn: nil, watchingNow: viewerCount)])
    }

    /// Rows due within `slackSeconds` (a run that starts a moment before a row's time must not
    /// skip it for a whole interval), restricted to `channelIDs` when given.
    static func due(slackSeconds: Double, channelIDs: Set<String>?, on connection: PostgresConnection) throws -> [RumbleChannelRow] {
        try connection.query("""
            SELECT company_id::text AS company_id, creator_id::text AS creator_id, row_id::text AS row_id, channel_id, handle,
                   display_name, api_url_sealed, live, live_stream_id, title, viewer_count, check_failures
            FROM tracked_channels('rumble', $1::text[])
            WHERE next_check_at <= now() + make_interval(secs => $2::float8)
            """, [channelIDs.map { PostgresArray.literal($0.sorted()) }, slackSeconds]).rows.map { row in
            RumbleChannelRow(
                companyID: try row.require("company_id"), creatorID: try row.require("creator_id"), rowID: try row.require("row_id"),
                channelID: try row.require("channel_id"), handle: row["handle"], displayName: try row.require("display_name"),
                sealedAPIURL: row["api_url_sealed"], live: row.bool("live") ?? false, liveStreamID: row["live_stream_id"],
                title: row["title"], viewerCount: Int(row["viewer_count"] ?? "0") ?? 0, checkFailures: Int(row["check_failures"] ?? "0") ?? 0)
        }
    }
}
