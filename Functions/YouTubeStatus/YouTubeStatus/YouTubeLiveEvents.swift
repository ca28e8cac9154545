public import EventSub
import JSONValue
public import YouTubeAPI

/// The channel a live change belongs to, as the agencies named it (the first tracking row's
/// handle and display name; every company's row has the same channel id).
public struct YouTubeChannelIdentity: Sendable, Equatable {
    public let channelID: String
    public let handle: String?
    public let displayName: String?

    public init(channelID: String, handle: String?, displayName: String?) {
        self.channelID = channelID
        self.handle = handle
        self.displayName = displayName
    }
}

/// A YouTube broadcast's start and end as ingest stores them: one `stream.online` /
/// `stream.offline` per broadcast (`youtube:<video id>:online|offline`, so a duplicate push or a
/// second check stores nothing twice), timed by the broadcast's own `actualStartTime` /
/// `actualEndTime` where YouTube gives them (the ingest's event-time guard then orders them).
public enum YouTubeLiveEvents {
    public static func watchURL(videoID: String) -> String { "https://www.youtube.com/watch?v=" + videoID }

    /// `video` is live (`isLive`).
    public static func online(_ video: YouTubeVideo, channel: YouTubeChannelIdentity, observedAt: Double, source: String) -> NormalizedNotification {
        let started = video.actualStartTime.flatMap(RFC3339.unixSeconds) ?? observedAt
        let startedText = RFC3339.format(unixSeconds: started)
        return notification(
            type: "stream.online", videoID: video.id, occurredAt: startedText, channel: channel,
            data: ["streamId": .string(video.id), "title": .string(video.title), "url": .string(watchURL(videoID: video.id)),
                   "startedAt": .string(startedText), "viewers": .int(Int64(max(0, video.concurrentViewers ?? 0)))],
            raw: resource(video, observedAt: observedAt), source: source)
    }

    /// The broadcast `streamID` a channel was live with is over: ended (`video` has
    /// `actualEndTime`), no longer live, or gone (`video` nil: deleted or made private).
    public static func offline(streamID: String, video: YouTubeVideo?, channel: YouTubeChannelIdentity, observedAt: Double,
                               source: String) -> NormalizedNotification {
        let ended = video?.actualEndTime.flatMap(RFC3339.unixSeconds) ?? observedAt
        var data: [String: JSONValue] = ["streamId": .string(streamID), "url": .string(watchURL(videoID: streamID)), "viewers": .int(0)]
        if let video {
            data["title"] = .string(video.title)
            if let started = video.actualStartTime.flatMap(RFC3339.unixSeconds) { data["startedAt"] = .string(RFC3339.format(unixSeconds: started)) }
        }
        let raw: JSONValue = video.map { resource($0, observedAt: observedAt) }
            ?? ["kind": "youtube#video", "id": .string(streamID), "absent": true, "checkedAt": .string(RFC3339.format(unixSeconds: observedAt))]
        return notification(type: "stream.offline", videoID: streamID, occurredAt: RFC3339.format(unixSeconds: ended), channel: channel,
                            data: .object(data), raw: raw, source: source)
    }

    private static func notification(type: String, videoID: String, occurredAt: String, channel: YouTubeChannelIdentity, data: JSONValue,
                                     raw: JSONValue, source: String) -> NormalizedNotification {
        NormalizedNotification(
            messageID: "youtube:\(videoID):\(type == "stream.online" ? "online" : "offline")", subscriptionID: "", subscriptionType: type,
            subscriptionVersion: "1", occurredAt: occurredAt,
            broadcaster: TwitchUser(id: channel.channelID, login: channel.handle, name: channel.displayName),
            routingUserIDs: [channel.channelID], data: data, rawBody: Array(JSONWriter.string(raw).utf8), source: source, platform: "youtube")
    }

    /// The `videos.list` item the decision was made on, in Google's shape (`snippet`,
    /// `liveStreamingDetails`) with the fields this product reads, and when it was read.
    static func resource(_ video: YouTubeVideo, observedAt: Double) -> JSONValue {
        var snippet: [String: JSONValue] = [
            "channelId": .string(video.channelID), "title": .string(video.title), "liveBroadcastContent": .string(broadcastContent(video.broadcastContent)),
        ]
        if let title = video.channelTitle { snippet["channelTitle"] = .string(title) }
        var object: [String: JSONValue] = [
            "kind": "youtube#video", "id": .string(video.id), "snippet": .object(snippet),
            "checkedAt": .string(RFC3339.format(unixSeconds: observedAt)),
        ]
        if video.isBroadcast {
            var details: [String: JSONValue] = [:]
            if let text = video.scheduledStartTime { details["scheduledStartTime"] = .string(text) }
            if let text = video.actualStartTime { details["actualStartTime"] = .string(text) }
            if let text = video.actualEndTime { details["actualEndTime"] = .string(text) }
            if let viewers = video.concurrentViewers { details["concurrentViewers"] = .string(String(viewers)) }
            object["liveStreamingDetails"] = .object(details)
        }
        return .object(object)
    }

    static func broadcastContent(_ content: YouTubeVideo.BroadcastContent) -> String {
        switch content {
        case .live: return "live"
        case .upcoming: return "upcoming"
        case .none: return "none"
        case .completed: return "completed"
        case .other(let value): return value
        }
    }
}
