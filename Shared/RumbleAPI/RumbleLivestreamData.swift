public import JSONValue

/// One answer of the Live Stream API: the account and its current livestreams. Strict on what the
/// status job relies on (the `livestreams` array; each stream's `id` and `is_live`), tolerant of
/// everything else being absent or of another type. Chat, rants, followers and the `stream_key`
/// some examples carry are not read (and the raw body is never logged).
public struct RumbleLivestreamData: Sendable, Equatable {
    /// `user` or `channel`.
    public let type: String?
    public let userID: String?
    public let username: String?
    public let channelID: String?
    public let channelName: String?
    public let livestreams: [RumbleLivestream]

    public init(type: String? = nil, userID: String? = nil, username: String? = nil, channelID: String? = nil, channelName: String? = nil,
                livestreams: [RumbleLivestream]) {
        self.type = type
        self.userID = userID
        self.username = username
        self.channelID = channelID
        self.channelName = channelName
        self.livestreams = livestreams
    }

    public init(json: JSONValue) throws(RumbleError) {
        guard json.objectValue != nil else { throw .invalidResponse("not a JSON object") }
        guard let streams = json["livestreams"]?.arrayValue else { throw .invalidResponse("livestreams array missing") }
        var livestreams: [RumbleLivestream] = []
        for (position, stream) in streams.enumerated() { livestreams.append(try RumbleLivestream(json: stream, position: position + 1)) }
        self.init(type: json["type"]?.stringValue, userID: Self.text(json["user_id"]), username: json["username"]?.stringValue,
                  channelID: Self.text(json["channel_id"]), channelName: json["channel_name"]?.stringValue, livestreams: livestreams)
    }

    /// Ids arrive as strings or numbers.
    static func text(_ value: JSONValue?) -> String? {
        if let string = value?.stringValue { return string }
        return value?.int64Value.map { String($0) }
    }

    /// The streams that are live now.
    public var live: [RumbleLivestream] { livestreams.filter(\.isLive) }
}

/// One entry of `livestreams`.
public struct RumbleLivestream: Sendable, Equatable {
    public let id: String
    public let title: String
    /// ISO 8601 with offset, as sent.
    public let createdOn: String?
    public let isLive: Bool
    public let watchingNow: Int?
    public let likes: Int?
    public let dislikes: Int?
    /// `categories.primary.title`.
    public let category: String?

    public init(id: String, title: String, createdOn: String?, isLive: Bool, watchingNow: Int?, likes: Int? = nil, dislikes: Int? = nil,
                category: String? = nil) {
        self.id = id
        self.title = title
        self.createdOn = createdOn
        self.isLive = isLive
        self.watchingNow = watchingNow
        self.likes = likes
        self.dislikes = dislikes
        self.category = category
    }

    init(json: JSONValue, position: Int) throws(RumbleError) {
        guard json.objectValue != nil else { throw .invalidResponse("livestream \(position) is not an object") }
        guard let id = RumbleLivestreamData.text(json["id"]), !id.isEmpty else { throw .invalidResponse("livestream \(position) has no id") }
        guard let isLive = Self.flag(json["is_live"]) else { throw .invalidResponse("livestream \(position) has no is_live") }
        let primary = json["categories"]?["primary"]
        self.init(
            id: id, title: json["title"]?.stringValue ?? "", createdOn: json["created_on"]?.stringValue, isLive: isLive,
            watchingNow: Self.count(json["watching_now"]), likes: Self.count(json["likes"]), dislikes: Self.count(json["dislikes"]),
            category: primary?["title"]?.stringValue ?? primary?.stringValue)
    }

    /// `true`/`false`, or 1/0 as some PHP APIs send.
    private static func flag(_ value: JSONValue?) -> Bool? {
        if let bool = value?.boolValue { return bool }
        if let number = value?.int64Value, number == 0 || number == 1 { return number == 1 }
        return nil
    }

    /// A non-negative count, from a number or a numeric string.
    private static func count(_ value: JSONValue?) -> Int? {
        let number = value?.int64Value ?? value?.stringValue.flatMap { Int64($0) }
        guard let number, number >= 0 else { return nil }
        return Int(number)
    }
}
