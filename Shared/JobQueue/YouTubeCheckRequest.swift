public import JSONValue
public import Redis

/// Asks `youtube-status` to look at the videos a YouTube push named:
/// `{"channelId": "UC…", "videoIds": ["…"], "receivedAt": 1733490000.25}`. Producer: the
/// `youtube-webhook`, after a signed push for a channel it is subscribed to. The schedule's own
/// job (`{"scheduledSlot": …}`), like any payload without video ids, is the periodic re-check of
/// live channels instead.
///
/// A push is a hint (the Data API decides what is live), so no idempotency key: a duplicate push
/// costs one `videos.list` unit and stores nothing twice (the events' message ids name the stream
/// and the transition). `receivedAt` is when the push arrived (Unix seconds), for the latency log.
public enum YouTubeCheckRequest {
    public static let queue = JobQueue(name: "youtube-status")

    /// More than a push ever carries (one entry, sometimes a few); a longer list is cut here.
    public static let maximumVideoIDs = 50

    public struct Check: Sendable, Equatable {
        public let channelID: String
        public let videoIDs: [String]
        public let receivedAt: Double

        public init(channelID: String, videoIDs: [String], receivedAt: Double) {
            self.channelID = channelID
            self.videoIDs = videoIDs
            self.receivedAt = receivedAt
        }
    }

    public static func payload(_ check: Check) -> JSONValue {
        ["channelId": .string(check.channelID), "videoIds": .array(check.videoIDs.map(JSONValue.string)), "receivedAt": .double(check.receivedAt)]
    }

    /// The check a job names, or nil for a periodic re-check (no `videoIds`). The ids' shapes are
    /// the consumer's to check.
    public static func check(in payload: JSONValue) -> Check? {
        guard let channel = payload["channelId"]?.stringValue, !channel.isEmpty,
              let ids = payload["videoIds"]?.arrayValue?.compactMap(\.stringValue).filter({ !$0.isEmpty }), !ids.isEmpty
        else { return nil }
        let receivedAt: Double
        switch payload["receivedAt"] {
        case .double(let value)?: receivedAt = value
        case .int(let value)?: receivedAt = Double(value)
        default: receivedAt = 0
        }
        return Check(channelID: channel, videoIDs: Array(ids.prefix(maximumVideoIDs)), receivedAt: receivedAt)
    }

    /// One job on `queue` (the function's own unless a test passes another).
    public static func enqueue(_ check: Check, queue: JobQueue = YouTubeCheckRequest.queue, on connection: RedisConnection) throws {
        try queue.enqueue(payload(check), on: connection)
    }
}
