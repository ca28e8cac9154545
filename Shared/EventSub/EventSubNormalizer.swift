import JSONValue

/// Turns a verified notification into a `NormalizedNotification`. Known types must carry the
/// fields the NOC view relies on (else the body is refused as malformed); unknown types are kept
/// with an empty `data` object and routed by whatever broadcaster id they carry.
public enum EventSubNormalizer {
    public typealias Invalid = EventSubEnvelope.Invalid

    /// The subscription types the product understands (display fields, status effects).
    public static let supportedTypes: Set<String> = [
        "stream.online", "stream.offline", "channel.update", "channel.follow", "channel.raid",
        "channel.subscribe", "channel.subscription.gift", "channel.subscription.message", "channel.cheer",
        "channel.hype_train.begin", "channel.hype_train.progress", "channel.hype_train.end",
    ]

    public static func normalize(
        _ envelope: EventSubEnvelope, delivery: EventSubDelivery, rawBody: [UInt8]
    ) throws(Invalid) -> NormalizedNotification {
        guard let event = envelope.event else { throw Invalid(description: "missing field event") }
        let type = envelope.subscription.type
        let fields = EventFields(event: event)
        var occurredAt = RFC3339.format(unixSeconds: delivery.timestampSeconds)
        func occurred(_ name: String) {
            if let text = event[name]?.stringValue, let seconds = RFC3339.unixSeconds(text) {
                occurredAt = RFC3339.format(unixSeconds: seconds)
            }
        }

        let broadcaster: TwitchUser?
        var routing: [String]
        let data: JSONValue
        switch type {
        case "channel.raid":
            let to = try fields.requireUser("to_broadcaster_user")
            let from = try fields.requireUser("from_broadcaster_user")
            broadcaster = to
            routing = [to.id, from.id]
            data = ["from": from.json, "to": to.json, "viewers": fields.int("viewers")]
        default:
            if supportedTypes.contains(type) {
                broadcaster = try fields.requireUser("broadcaster_user")
            } else {
                broadcaster = fields.user("broadcaster_user")
                    ?? envelope.subscription.condition["broadcaster_user_id"]?.stringValue.map { TwitchUser(id: $0, login: nil, name: nil) }
            }
            routing = broadcaster.map { [$0.id] } ?? []
            data = try compactData(type: type, fields: fields)
        }
        switch type {
        case "stream.online": occurred("started_at")
        case "channel.follow": occurred("followed_at")
        case "channel.hype_train.begin", "channel.hype_train.progress": occurred("started_at")
        case "channel.hype_train.end": occurred("ended_at")
        default: break
        }
        routing = routing.reduce(into: []) { unique, id in if !unique.contains(id) { unique.append(id) } }
        return NormalizedNotification(
            messageID: delivery.messageID, subscriptionID: envelope.subscription.id, subscriptionType: type,
            subscriptionVersion: envelope.subscription.version, occurredAt: occurredAt, broadcaster: broadcaster,
            routingUserIDs: routing, data: data, rawBody: rawBody)
    }

    private static func compactData(type: String, fields: EventFields) throws(Invalid) -> JSONValue {
        switch type {
        case "stream.online":
            return ["streamId": fields.string("id"), "streamType": fields.string("type"), "startedAt": fields.string("started_at")]
        case "stream.offline":
            return [:]
        case "channel.update":
            return ["title": fields.string("title"), "language": fields.string("language"),
                    "categoryId": fields.string("category_id"), "categoryName": fields.string("category_name")]
        case "channel.follow":
            return ["user": try fields.requireUser("user").json, "followedAt": fields.string("followed_at")]
        case "channel.subscribe":
            return ["user": try fields.requireUser("user").json, "tier": fields.string("tier"), "isGift": fields.bool("is_gift")]
        case "channel.subscription.gift":
            return ["user": fields.user("user")?.json ?? .null, "total": fields.int("total"), "tier": fields.string("tier"),
                    "cumulativeTotal": fields.int("cumulative_total"), "isAnonymous": fields.bool("is_anonymous")]
        case "channel.subscription.message":
            return ["user": try fields.requireUser("user").json, "tier": fields.string("tier"),
                    "cumulativeMonths": fields.int("cumulative_months"), "streakMonths": fields.int("streak_months"),
                    "durationMonths": fields.int("duration_months"),
                    "message": fields.event["message"]?["text"] ?? .null]
        case "channel.cheer":
            return ["user": fields.user("user")?.json ?? .null, "isAnonymous": fields.bool("is_anonymous"),
                    "bits": fields.int("bits"), "message": fields.string("message")]
        case "channel.hype_train.begin", "channel.hype_train.progress", "channel.hype_train.end":
            return ["hypeTrainId": fields.string("id"), "level": fields.int("level"), "total": fields.int("total"),
                    "progress": fields.int("progress"), "goal": fields.int("goal"), "startedAt": fields.string("started_at"),
                    "expiresAt": fields.string("expires_at"), "endedAt": fields.string("ended_at"),
                    "trainType": fields.string("type")]
        default:
            return [:]
        }
    }
}

/// Typed reads from an `event` object; absent or mistyped fields read as JSON null.
private struct EventFields {
    let event: [String: JSONValue]

    func string(_ name: String) -> JSONValue { event[name]?.stringValue.map(JSONValue.string) ?? .null }
    func int(_ name: String) -> JSONValue { event[name]?.int64Value.map(JSONValue.int) ?? .null }
    func bool(_ name: String) -> JSONValue { event[name]?.boolValue.map(JSONValue.bool) ?? .null }

    /// `<prefix>_id`, `<prefix>_login`, `<prefix>_name` (nil when the id is absent or null, as for anonymous gifts).
    func user(_ prefix: String) -> TwitchUser? {
        guard let id = event["\(prefix)_id"]?.stringValue, !id.isEmpty else { return nil }
        return TwitchUser(id: id, login: event["\(prefix)_login"]?.stringValue, name: event["\(prefix)_name"]?.stringValue)
    }

    func requireUser(_ prefix: String) throws(EventSubEnvelope.Invalid) -> TwitchUser {
        guard let user = user(prefix) else { throw EventSubEnvelope.Invalid(description: "missing field event.\(prefix)_id") }
        return user
    }
}
