import JSONValue

/// A live stream (a user is live exactly while the stand-in holds one for them).
public struct StandInStream: Sendable, Equatable {
    public let id: String
    public let userID: String
    public var title: String
    public var gameID: String
    public var gameName: String
    public var viewerCount: Int
    public var language: String
    public var tags: [String]
    public let startedAt: String

    /// The shape of `GET /helix/streams` entries (`tag_ids` and `is_mature` are deprecated and
    /// constant at Twitch too).
    func json(user: StandInUser) -> JSONValue {
        ["id": .string(id), "user_id": .string(user.id), "user_login": .string(user.login), "user_name": .string(user.displayName),
         "game_id": .string(gameID), "game_name": .string(gameName), "type": "live", "title": .string(title),
         "tags": .array(tags.map { .string($0) }), "viewer_count": .int(Int64(viewerCount)), "started_at": .string(startedAt),
         "language": .string(language),
         "thumbnail_url": .string("https://static-cdn.jtvnw.net/previews-ttv/live_user_\(user.login)-{width}x{height}.jpg"),
         "tag_ids": [], "is_mature": false]
    }
}
