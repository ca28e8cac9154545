public import JSONValue

/// One Live Stream API key's owner: a user, or a channel of a user (Rumble keys are created per
/// user or per channel at rumble.com/account/livestream-api).
public struct RumbleAccount: Sendable, Equatable {
    /// Base-36 user id (Rumble's ids are base 36).
    public let userID: String
    public let username: String
    /// Set for a channel key.
    public let channelID: String?
    public let channelName: String?
    /// The API key (a secret: the URL carrying it is all a reader needs).
    public internal(set) var key: String
    public var followers: Int
    /// Listed streams: live ones and created-but-not-started ones; an ended stream vanishes.
    public internal(set) var livestreams: [RumbleLivestream]

    /// `user` or `channel`.
    public var type: String { channelID == nil ? "user" : "channel" }

    /// Control paths name an account by this: the channel id for a channel key, else the user id.
    public var id: String { channelID ?? userID }

    /// The answer of `GET /-livestream-api/get-data?key=…`.
    func document(now: Double, maximumResults: Int) -> JSONValue {
        [
            "now": .int(Int64(now.rounded(.down))), "type": .string(type), "user_id": .string(userID), "username": .string(username),
            "channel_id": channelID.map { .string($0) } ?? .null, "channel_name": channelName.map { .string($0) } ?? .null,
            "since": .null, "max_num_results": .int(Int64(maximumResults)),
            "followers": [
                "num_followers": .int(Int64(followers)), "num_followers_total": .int(Int64(followers)), "latest_follower": .null,
                "recent_followers": [],
            ],
            "subscribers": [
                "num_subscribers": 0, "num_subscribers_total": 0, "latest_subscriber": .null, "recent_subscribers": [],
            ],
            "latest_gifted_sub": .null, "recent_gifted_subs": [],
            "livestreams": .array(livestreams.prefix(maximumResults).map(\.json)),
        ]
    }

    /// The control API's view (with the key: it is the stand-in's own fake secret).
    func controlJSON(baseURL: String, requests: Int) -> JSONValue {
        [
            "id": .string(id), "type": .string(type), "user_id": .string(userID), "username": .string(username),
            "channel_id": channelID.map { .string($0) } ?? .null, "channel_name": channelName.map { .string($0) } ?? .null,
            "key": .string(key), "api_url": .string(apiURL(baseURL: baseURL)), "followers": .int(Int64(followers)),
            "livestreams": .array(livestreams.map(\.json)), "requests": .int(Int64(requests)),
        ]
    }

    /// What the streamer hands over: the endpoint with the key.
    public func apiURL(baseURL: String) -> String { baseURL + RumbleStandInServer.dataPath + "?key=" + key }
}

/// One stream in `livestreams[]`, with the fields cocorum reads.
public struct RumbleLivestream: Sendable, Equatable {
    /// Base 36.
    public let id: String
    public var title: String
    public let createdOn: Double
    public var isLive: Bool
    public var watchingNow: Int
    public var likes: Int
    public var dislikes: Int
    public var category: String

    var json: JSONValue {
        let slug = category.lowercased().split(separator: " ").joined(separator: "-")
        return [
            "id": .string(id), "title": .string(title), "created_on": .string(RumbleTime.format(createdOn)), "is_live": .bool(isLive),
            "visibility": "public",
            "categories": [
                "primary": ["slug": .string(slug), "title": .string(category)],
                "secondary": ["slug": "", "title": ""],
            ],
            // Rumble's example carries the stream key too; a fake one here, never logged by clients.
            "stream_key": .string("stand-in-stream-key-" + id),
            "likes": .int(Int64(likes)), "dislikes": .int(Int64(dislikes)), "watching_now": .int(Int64(watchingNow)),
            "chat": ["latest_message": .null, "recent_messages": [], "latest_rant": .null, "recent_rants": []],
        ]
    }
}
