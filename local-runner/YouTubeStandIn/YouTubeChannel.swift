public import JSONValue

/// A channel the stand-in knows (created through the control API).
public struct YouTubeChannel: Sendable, Equatable {
    /// `UC` + 22 characters.
    public let id: String
    /// Without the leading `@`, as created (handles match case-insensitively).
    public let handle: String
    public var title: String
    public var description: String
    /// Legacy username (`forUsername`), if the channel has one.
    public var username: String?
    public let publishedAt: Double

    /// `https://www.youtube.com/xml/feeds/videos.xml?channel_id=…`, the WebSub topic.
    public var topic: String { YouTubeChannel.topicPrefix + id }

    /// The uploads playlist (`UU` + the id's 22 characters).
    public var uploadsPlaylistID: String { "UU" + id.dropFirst(2) }

    static let topicPrefix = "https://www.youtube.com/xml/feeds/videos.xml?channel_id="

    /// The channel resource with the requested parts (`id` always; `snippet`, `contentDetails`
    /// modelled, other known parts are left out).
    func resource(parts: Set<String>) -> JSONValue {
        var object: [String: JSONValue] = ["kind": "youtube#channel", "id": .string(id)]
        if parts.contains("snippet") {
            let lowered = handle.lowercased()
            object["snippet"] = [
                "title": .string(title), "description": .string(description), "customUrl": .string("@" + lowered),
                "publishedAt": .string(YouTubeTime.dataAPI(publishedAt)),
                "thumbnails": [
                    "default": ["url": .string("https://yt3.ggpht.com/\(id)=s88-c-k-c0x00ffffff-no-rj"), "width": 88, "height": 88],
                    "medium": ["url": .string("https://yt3.ggpht.com/\(id)=s240-c-k-c0x00ffffff-no-rj"), "width": 240, "height": 240],
                    "high": ["url": .string("https://yt3.ggpht.com/\(id)=s800-c-k-c0x00ffffff-no-rj"), "width": 800, "height": 800],
                ],
                "localized": ["title": .string(title), "description": .string(description)],
            ]
        }
        if parts.contains("contentDetails") {
            object["contentDetails"] = ["relatedPlaylists": ["likes": "", "uploads": .string(uploadsPlaylistID)]]
        }
        object["etag"] = .string(YouTubeIdentifiers.etag(JSONWriter.string(.object(object))))
        return .object(object)
    }

    /// The control API's view.
    public var json: JSONValue {
        [
            "id": .string(id), "handle": .string("@" + handle), "title": .string(title), "description": .string(description),
            "username": username.map { .string($0) } ?? .null, "topic": .string(topic),
            "published_at": .string(YouTubeTime.dataAPI(publishedAt)),
        ]
    }
}
