import EventSub
import JSONValue
import RumbleAPI

/// The `stream.online` / `stream.offline` a Rumble poll stores (source `poll`, platform
/// `rumble`). The message id names the stream and the transition, so every poll, every row and
/// every worker that sees the same change produces the same id and the ingestor stores it once
/// per company. `occurredAt` is the poll time: Rumble reports when a stream was created, not
/// when it went live or ended, and poll times only grow, so the ingestor's event-time guard
/// keeps the newest observation.
///
/// The raw body is rebuilt from the parsed answer (account and the one stream): Rumble's own
/// document carries the stream key, chat and followers, none of which belongs in `events`.
enum RumbleStreamEvent {
    static func online(_ stream: RumbleLivestream, channel: RumbleChannelRow, fetched: RumbleLivestreamData, polledAt: Double) -> NormalizedNotification {
        let startedAt = stream.createdOn.flatMap(RFC3339.unixSeconds).map { RFC3339.format(unixSeconds: $0) } ?? RFC3339.format(unixSeconds: polledAt)
        var livestream: [String: JSONValue] = [
            "id": .string(stream.id), "title": .string(stream.title), "is_live": true,
            "created_on": stream.createdOn.map(JSONValue.string) ?? .null,
            "watching_now": stream.watchingNow.map { .int(Int64($0)) } ?? .null,
        ]
        if let likes = stream.likes { livestream["likes"] = .int(Int64(likes)) }
        if let dislikes = stream.dislikes { livestream["dislikes"] = .int(Int64(dislikes)) }
        if let category = stream.category { livestream["category"] = .string(category) }
        return notification(
            transition: "online", streamID: stream.id, channel: channel, fetched: fetched, polledAt: polledAt, livestream: .object(livestream),
            data: ["streamId": .string(stream.id), "title": .string(stream.title), "url": .string(channelURL(channel, fetched)),
                   "startedAt": .string(startedAt), "viewers": .int(Int64(stream.watchingNow ?? 0))])
    }

    static func offline(streamID: String, channel: RumbleChannelRow, fetched: RumbleLivestreamData, polledAt: Double) -> NormalizedNotification {
        notification(transition: "offline", streamID: streamID, channel: channel, fetched: fetched, polledAt: polledAt,
                     livestream: ["id": .string(streamID), "is_live": false],
                     data: ["streamId": .string(streamID), "url": .string(channelURL(channel, fetched))])
    }

    static func messageID(streamID: String, transition: String) -> String { "rumble:\(streamID):\(transition)" }

    /// The channel page: `/user/<name>` for a user key, `/c/<name>` for a channel key.
    static func channelURL(_ channel: RumbleChannelRow, _ fetched: RumbleLivestreamData) -> String {
        "https://rumble.com/" + (fetched.type == "user" ? "user/" : "c/") + channel.channelID
    }

    private static func notification(transition: String, streamID: String, channel: RumbleChannelRow, fetched: RumbleLivestreamData,
                                     polledAt: Double, livestream: JSONValue, data: JSONValue) -> NormalizedNotification {
        let polled = RFC3339.format(unixSeconds: polledAt)
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        let body: JSONValue = [
            "platform": "rumble", "source": "poll", "polled_at": .string(polled), "type": text(fetched.type),
            "user_id": text(fetched.userID), "username": text(fetched.username), "channel_id": text(fetched.channelID),
            "channel_name": text(fetched.channelName), "livestream": livestream,
        ]
        return NormalizedNotification(
            messageID: messageID(streamID: streamID, transition: transition), subscriptionID: "", subscriptionType: "stream.\(transition)",
            subscriptionVersion: "1", occurredAt: polled,
            broadcaster: TwitchUser(id: channel.channelID, login: channel.handle, name: channel.displayName),
            routingUserIDs: [channel.channelID], data: data, rawBody: Array(JSONWriter.string(body).utf8), source: "poll", platform: "rumble")
    }
}
