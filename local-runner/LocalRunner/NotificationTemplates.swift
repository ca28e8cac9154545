import JSONValue
import EventSub

/// The `event` and `condition` of each benchmark type, shaped like Twitch's documented webhook
/// examples (shared/research/twitch-eventsub.md, Appendix A), so the webhook parses and stores
/// what it would in production: a chat line is as large as a real one, a go-live updates status.
enum NotificationTemplates {
    static let types = ["channel.follow", "channel.chat.message", "channel.cheer", "channel.subscribe", "stream.online"]

    struct Notification {
        let type: String
        let version: String
        let event: JSONValue
        let condition: JSONValue
    }

    /// `sequence` varies the viewer and ids so rows are not all alike; `now` is RFC 3339.
    static func make(type: String, broadcaster: String, sequence: Int, now: String) -> Notification {
        let viewerID = String(50_000_000 + sequence % 1_000_000)
        let viewer = "viewer\(sequence % 1_000_000)"
        let channel: [String: JSONValue] = [
            "broadcaster_user_id": .string(broadcaster), "broadcaster_user_login": .string("bench_\(broadcaster)"),
            "broadcaster_user_name": .string("Bench_\(broadcaster)"),
        ]
        let onChannel: JSONValue = ["broadcaster_user_id": .string(broadcaster)]
        func with(_ fields: [String: JSONValue]) -> JSONValue { .object(channel.merging(fields) { $1 }) }
        switch type {
        case "channel.follow":
            return Notification(type: type, version: "2", event: with([
                "user_id": .string(viewerID), "user_login": .string(viewer), "user_name": .string(viewer), "followed_at": .string(now),
            ]), condition: ["broadcaster_user_id": .string(broadcaster), "moderator_user_id": .string(broadcaster)])
        case "channel.chat.message":
            let text = "gg \(viewer) PogChamp"
            return Notification(type: type, version: "1", event: with([
                "chatter_user_id": .string(viewerID), "chatter_user_login": .string(viewer), "chatter_user_name": .string(viewer),
                "message_id": .string(SignedDelivery.newMessageID()),
                "message": ["text": .string(text),
                            "fragments": [["type": "text", "text": .string(text), "cheermote": nil, "emote": nil, "mention": nil]]],
                "color": "#00FF7F",
                "badges": [["set_id": "subscriber", "id": "12", "info": "16"]],
                "message_type": "text", "cheer": nil, "reply": nil, "channel_points_custom_reward_id": nil,
                "source_broadcaster_user_id": nil, "source_broadcaster_user_login": nil, "source_broadcaster_user_name": nil,
                "source_message_id": nil, "source_badges": nil,
            ]), condition: ["broadcaster_user_id": .string(broadcaster), "user_id": .string(broadcaster)])
        case "channel.cheer":
            return Notification(type: type, version: "1", event: with([
                "is_anonymous": false, "user_id": .string(viewerID), "user_login": .string(viewer), "user_name": .string(viewer),
                "message": "pogchamp", "bits": .int(Int64(100 * (1 + sequence % 10))),
            ]), condition: onChannel)
        case "channel.subscribe":
            return Notification(type: type, version: "1", event: with([
                "user_id": .string(viewerID), "user_login": .string(viewer), "user_name": .string(viewer),
                "tier": "1000", "is_gift": .bool(sequence % 5 == 0),
            ]), condition: onChannel)
        default:  // stream.online (EventMix admits only `types`)
            return Notification(type: type, version: "1", event: with([
                "id": .string(String(9_000_000 + sequence)), "type": "live", "started_at": .string(now),
            ]), condition: onChannel)
        }
    }
}
