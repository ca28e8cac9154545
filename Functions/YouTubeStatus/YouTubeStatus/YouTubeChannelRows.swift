import JSONValue
import Postgres

/// One company's row of a tracked YouTube channel (`tracked_channels('youtube')`, migration 12).
public struct YouTubeChannelRow: Sendable, Equatable {
    public let companyID: String
    public let creatorID: String
    public let channelID: String
    public let handle: String?
    public let displayName: String
    public let live: Bool
    public let liveStreamID: String?
}

/// The status job's reads and writes of `creator_channels`: the deployment-wide view through
/// `tracked_channels` (SECURITY DEFINER), and the viewer/title refreshes per company in that
/// company's tenant scope. Live transitions are not written here: they go through ingest.
struct YouTubeChannelRows: Sendable {
    let pool: PostgresPool

    /// Every company's row of these channels (all tracked YouTube channels for nil).
    func rows(channelIDs: [String]?) async throws -> [YouTubeChannelRow] {
        let ids = channelIDs.map(PostgresArray.literal)
        return try await pool.withConnection { connection in
            try connection.query("""
                SELECT company_id::text AS company_id, creator_id::text AS creator_id, channel_id, handle, display_name, live, live_stream_id
                FROM tracked_channels('youtube', $1::text[])
                """, [ids]).rows.map { row in
                YouTubeChannelRow(companyID: try row.require("company_id"), creatorID: try row.require("creator_id"),
                                  channelID: try row.require("channel_id"), handle: row["handle"], displayName: try row.require("display_name"),
                                  live: row.bool("live") ?? false, liveStreamID: row["live_stream_id"])
            }
        }
    }

    /// Viewers and title of a broadcast still live, onto the company's rows live with that very
    /// broadcast (a row that went offline or on to another stream meanwhile is left alone), and
    /// one `viewer_samples` row per creator per minute. Returns (rows updated, samples inserted).
    struct Refresh: Sendable {
        let creatorID: String
        let channelID: String
        let streamID: String
        let title: String
        let viewers: Int
    }

    func refresh(company: String, _ refreshes: [Refresh]) async throws -> (updated: Int, sampled: Int) {
        let records: JSONValue = .array(refreshes.map {
            ["creator_id": .string($0.creatorID), "channel_id": .string($0.channelID), "stream_id": .string($0.streamID),
             "title": .string($0.title), "viewers": .int(Int64(max(0, $0.viewers)))]
        })
        let json = JSONWriter.string(records)
        return try await pool.tenant(company) { connection in
            let updated = try connection.query("""
                UPDATE creator_channels ch SET viewer_count = r.viewers, title = r.title, checked_at = now()
                FROM jsonb_to_recordset($1::jsonb) AS r(creator_id uuid, channel_id text, stream_id text, title text, viewers integer)
                WHERE ch.company_id = $2::uuid AND ch.creator_id = r.creator_id AND ch.platform = 'youtube' AND ch.channel_id = r.channel_id
                  AND ch.live AND ch.live_stream_id = r.stream_id
                """, [json, company]).affectedRows
            // Only creators whose row is still live with the stream get a sample.
            let sampled = try connection.query("""
                INSERT INTO viewer_samples (company_id, creator_id, sampled_at, viewer_count, stream_id, platform)
                SELECT $2::uuid, r.creator_id, date_trunc('minute', now()), r.viewers, r.stream_id, 'youtube'
                FROM jsonb_to_recordset($1::jsonb) AS r(creator_id uuid, channel_id text, stream_id text, viewers integer)
                WHERE EXISTS (SELECT 1 FROM creator_channels ch
                              WHERE ch.company_id = $2::uuid AND ch.creator_id = r.creator_id AND ch.platform = 'youtube'
                                AND ch.channel_id = r.channel_id AND ch.live AND ch.live_stream_id = r.stream_id)
                ON CONFLICT (creator_id, platform, sampled_at) DO NOTHING
                """, [json, company]).affectedRows
            return (updated, sampled)
        }
    }
}
