public import JSONValue

/// A video the stand-in knows: an upload, or a live broadcast (upcoming, live or completed).
public struct YouTubeVideo: Sendable, Equatable {
    public let id: String
    public let channelID: String
    public var title: String
    public var description: String
    public let publishedAt: Double
    /// When the title or description last changed (the feed's `updated`).
    public var updatedAt: Double
    /// Nil for a plain upload: then the Data API has no `liveStreamingDetails`.
    public var broadcast: Broadcast?

    public struct Broadcast: Sendable, Equatable {
        public var scheduledStartTime: Double?
        public var actualStartTime: Double?
        public var actualEndTime: Double?
        /// Only while live (YouTube drops it at the end).
        public var concurrentViewers: Int?
        /// Only while live.
        public var activeLiveChatID: String?
    }

    /// `snippet.liveBroadcastContent`: `live`, `upcoming` or `none` (also for a finished broadcast).
    public var liveBroadcastContent: String {
        guard let broadcast else { return "none" }
        if broadcast.actualEndTime != nil { return "none" }
        return broadcast.actualStartTime == nil ? "upcoming" : "live"
    }

    public var isLive: Bool { liveBroadcastContent == "live" }

    /// The video resource with the requested parts (`id` always; `snippet` and
    /// `liveStreamingDetails` modelled, other known parts are left out).
    func resource(parts: Set<String>, channelTitle: String) -> JSONValue {
        var object: [String: JSONValue] = ["kind": "youtube#video", "id": .string(id)]
        if parts.contains("snippet") {
            // Live broadcasts show `_live` thumbnails while live, as on YouTube.
            let suffix = isLive ? "_live" : ""
            object["snippet"] = [
                "publishedAt": .string(YouTubeTime.dataAPI(publishedAt)), "channelId": .string(channelID), "title": .string(title),
                "description": .string(description),
                "thumbnails": [
                    "default": ["url": .string("https://i.ytimg.com/vi/\(id)/default\(suffix).jpg"), "width": 120, "height": 90],
                    "medium": ["url": .string("https://i.ytimg.com/vi/\(id)/mqdefault\(suffix).jpg"), "width": 320, "height": 180],
                    "high": ["url": .string("https://i.ytimg.com/vi/\(id)/hqdefault\(suffix).jpg"), "width": 480, "height": 360],
                ],
                "channelTitle": .string(channelTitle), "categoryId": "20", "liveBroadcastContent": .string(liveBroadcastContent),
                "localized": ["title": .string(title), "description": .string(description)],
            ]
        }
        if parts.contains("liveStreamingDetails"), let broadcast {
            var details: [String: JSONValue] = [:]
            if let time = broadcast.scheduledStartTime { details["scheduledStartTime"] = .string(YouTubeTime.dataAPI(time)) }
            if let time = broadcast.actualStartTime { details["actualStartTime"] = .string(YouTubeTime.dataAPI(time)) }
            if let time = broadcast.actualEndTime { details["actualEndTime"] = .string(YouTubeTime.dataAPI(time)) }
            // A string in the API (an unsigned 64-bit value), only while live.
            if isLive, let viewers = broadcast.concurrentViewers { details["concurrentViewers"] = .string(String(viewers)) }
            if isLive, let chat = broadcast.activeLiveChatID { details["activeLiveChatId"] = .string(chat) }
            object["liveStreamingDetails"] = .object(details)
        }
        object["etag"] = .string(YouTubeIdentifiers.etag(JSONWriter.string(.object(object))))
        return .object(object)
    }

    /// The control API's view: every modelled part.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "channel_id": .string(channelID), "title": .string(title), "description": .string(description),
            "published_at": .string(YouTubeTime.dataAPI(publishedAt)), "live_broadcast_content": .string(liveBroadcastContent),
        ]
        if let broadcast {
            object["scheduled_start_time"] = broadcast.scheduledStartTime.map { .string(YouTubeTime.dataAPI($0)) } ?? .null
            object["actual_start_time"] = broadcast.actualStartTime.map { .string(YouTubeTime.dataAPI($0)) } ?? .null
            object["actual_end_time"] = broadcast.actualEndTime.map { .string(YouTubeTime.dataAPI($0)) } ?? .null
            object["concurrent_viewers"] = broadcast.concurrentViewers.map { .int(Int64($0)) } ?? .null
        }
        return .object(object)
    }
}
