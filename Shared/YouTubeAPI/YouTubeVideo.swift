import JSONValue

/// One `videos.list` item with `part=snippet,liveStreamingDetails`: what the status jobs need to
/// tell whether a channel is live.
public struct YouTubeVideo: Sendable, Equatable {
    /// `snippet.liveBroadcastContent`. The reference lists live/upcoming/none; the discovery
    /// document also has `completed`; anything newer is kept as `other`.
    public enum BroadcastContent: Sendable, Equatable {
        case live, upcoming, none, completed
        case other(String)

        init(_ text: String?) {
            switch text {
            case "live": self = .live
            case "upcoming": self = .upcoming
            case "completed": self = .completed
            case nil, "none": self = .none
            case let value?: self = .other(value)
            }
        }
    }

    public let id: String
    public let channelID: String
    public let title: String
    public let channelTitle: String?
    public let broadcastContent: BroadcastContent
    /// RFC 3339 strings as Google sends them; nil when absent.
    public let scheduledStartTime: String?
    public let actualStartTime: String?
    public let actualEndTime: String?
    /// Only while live, and only when the channel shows it.
    public let concurrentViewers: Int?
    /// False when the item had no `liveStreamingDetails`: an ordinary upload, never a broadcast.
    public let isBroadcast: Bool

    public init(id: String, channelID: String, title: String, channelTitle: String?, broadcastContent: BroadcastContent,
                scheduledStartTime: String?, actualStartTime: String?, actualEndTime: String?, concurrentViewers: Int?, isBroadcast: Bool) {
        self.id = id
        self.channelID = channelID
        self.title = title
        self.channelTitle = channelTitle
        self.broadcastContent = broadcastContent
        self.scheduledStartTime = scheduledStartTime
        self.actualStartTime = actualStartTime
        self.actualEndTime = actualEndTime
        self.concurrentViewers = concurrentViewers
        self.isBroadcast = isBroadcast
    }

    /// Live now: `liveBroadcastContent` is `live`, or the broadcast has started and not ended
    /// (the two can disagree for a moment around the start and the end).
    public var isLive: Bool {
        if actualEndTime != nil { return false }
        return broadcastContent == .live || (isBroadcast && actualStartTime != nil)
    }

    /// Strict on what identifies the video (`id`, `snippet.channelId`), tolerant of everything
    /// else being absent.
    init(json: JSONValue) throws(YouTubeAPIError) {
        guard let id = json["id"]?.stringValue else { throw .invalidResponse("video without an id") }
        guard let snippet = json["snippet"], snippet.objectValue != nil else { throw .invalidResponse("video \(id) without a snippet") }
        guard let channelID = snippet["channelId"]?.stringValue else { throw .invalidResponse("video \(id) without snippet.channelId") }
        let details = json["liveStreamingDetails"]
        self.init(
            id: id, channelID: channelID,
            title: snippet["title"]?.stringValue ?? "",
            channelTitle: snippet["channelTitle"]?.stringValue,
            broadcastContent: BroadcastContent(snippet["liveBroadcastContent"]?.stringValue),
            scheduledStartTime: details?["scheduledStartTime"]?.stringValue,
            actualStartTime: details?["actualStartTime"]?.stringValue,
            actualEndTime: details?["actualEndTime"]?.stringValue,
            // An unsigned 64-bit value, which Google's JSON encodes as a string.
            concurrentViewers: details?["concurrentViewers"].flatMap { $0.stringValue.flatMap { Int($0) } ?? $0.int64Value.map { Int($0) } },
            isBroadcast: details?.objectValue != nil)
    }
}
