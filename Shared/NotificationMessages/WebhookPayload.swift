public import JSONValue

/// The JSON body for a generic (Standard Webhooks) destination, in the spec's recommended shape:
/// `{"type": event type, "timestamp": RFC 3339, "data": {…}}`. Values are plain JSON (nothing
/// escaped; numbers as numbers), grouped the way the placeholders are named:
///
/// ```json
/// {"type":"stream.online","timestamp":"2026-05-04T03:02:01Z",
///  "data":{"eventId":"…","creator":{"id":"…","displayName":"Fixture","login":"fixture"},
///          "stream":{"title":"…","category":"…","url":"https://www.twitch.tv/fixture","platform":"Twitch"},
///          "event":{"type":"stream.online","viewers":120},
///          "message":{"title":"Fixture is live on Twitch","description":"…"}}}
/// ```
public enum WebhookPayload {
    public static func body(_ template: NotificationMessageTemplate, context: NotificationContext) -> JSONValue {
        var groups: [String: [String: JSONValue]] = [:]
        for placeholder in NotificationPlaceholder.allCases {
            let value = context.renderedValue(placeholder)
            guard !value.isEmpty, let dot = placeholder.rawValue.firstIndex(of: ".") else { continue }
            let group = String(placeholder.rawValue[..<dot])
            let key = String(placeholder.rawValue[placeholder.rawValue.index(after: dot)...])
            if placeholder.format == .number, let number = Int64(value) {
                groups[group, default: [:]][key] = .int(number)
            } else {
                groups[group, default: [:]][key] = .string(value)
            }
        }
        if let creatorID = context.creatorID { groups["creator", default: [:]]["id"] = .string(creatorID) }
        var message: [String: JSONValue] = [:]
        for (field, part) in template.parts {
            let text = part.render(context, escaping: .none)
            if !text.isEmpty { message[field] = .string(NotificationLimits.truncate(text, to: NotificationLimits.webhookTemplate)) }
        }
        var data: [String: JSONValue] = groups.mapValues(JSONValue.object)
        data["eventId"] = .string(context.eventID)
        data["message"] = .object(message)
        return ["type": .string(context.eventType), "timestamp": .string(context.occurredAt), "data": .object(data)]
    }
}
