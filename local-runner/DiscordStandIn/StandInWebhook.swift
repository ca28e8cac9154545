public import JSONValue

/// A Discord incoming webhook the stand-in accepts (created through the control API).
public struct StandInWebhook: Sendable, Hashable {
    public let id: String
    public let token: String
    public let name: String
    public let channelID: String
    public let guildID: String

    /// The execute path, with the API version a sender should use.
    public var path: String { "/api/v10/webhooks/\(id)/\(token)" }

    /// The URL a user would paste (`https://discord.com/api/webhooks/…` at Discord), here under
    /// the stand-in's base URL.
    public func url(baseURL: String) -> String { baseURL + "/api/webhooks/\(id)/\(token)" }

    /// Discord's webhook object (type 1, incoming), as `GET /webhooks/{id}/{token}` answers.
    var json: JSONValue {
        ["type": 1, "id": .string(id), "name": .string(name), "avatar": .null, "channel_id": .string(channelID),
         "guild_id": .string(guildID), "application_id": .null, "token": .string(token)]
    }
}

/// Which mentions in a message's content would notify someone: Discord's `mention_everyone`,
/// `mentions` (user ids) and `mention_roles`. A message that "mentioned nobody" has all three empty.
public struct ResolvedMentions: Sendable, Hashable {
    public let everyone: Bool
    public let users: [String]
    public let roles: [String]

    public var isEmpty: Bool { !everyone && users.isEmpty && roles.isEmpty }
}

/// One message a webhook accepted, with the request exactly as sent.
public struct ReceivedMessage: Sendable, Hashable {
    /// The message's snowflake (what `?wait=true` answers as `id`).
    public let id: String
    public let webhookID: String
    public let channelID: String
    /// Unix seconds when it arrived.
    public let receivedAt: Double
    /// The parsed JSON body.
    public let body: JSONValue
    /// The body's bytes as received: compare these to find duplicates.
    public let rawBody: [UInt8]
    /// `thread_id` from the query, when given.
    public let threadID: String?
    /// What would have pinged, after `allowed_mentions`.
    public let mentions: ResolvedMentions

    public var content: String { body["content"]?.stringValue ?? "" }
    public var embeds: [JSONValue] { body["embeds"]?.arrayValue ?? [] }
    /// `allowed_mentions` as sent (nil when absent: a webhook then parses user mentions only).
    public var allowedMentions: JSONValue? { body["allowed_mentions"] }

    /// Discord's message object, as `?wait=true` answers.
    func messageObject(webhook: StandInWebhook, timestamp: String) -> JSONValue {
        let username = body["username"]?.stringValue ?? webhook.name
        var object: [String: JSONValue] = [
            "id": .string(id), "type": 0, "content": .string(content), "channel_id": .string(channelID),
            "author": ["bot": true, "id": .string(webhookID), "username": .string(username), "avatar": .null, "discriminator": "0000"],
            "attachments": [], "embeds": .array(embeds), "mentions": .array(mentions.users.map { ["id": .string($0)] }),
            "mention_roles": .array(mentions.roles.map(JSONValue.string)), "mention_everyone": .bool(mentions.everyone),
            "pinned": false, "tts": .bool(body["tts"]?.boolValue ?? false), "timestamp": .string(timestamp), "edited_timestamp": .null,
            "flags": .int(body["flags"]?.int64Value ?? 0), "components": [], "webhook_id": .string(webhookID),
        ]
        if let threadID { object["position"] = 0; object["channel_id"] = .string(threadID) }
        return .object(object)
    }

    /// The control API's view: the message plus what the stand-in saw.
    var json: JSONValue {
        ["id": .string(id), "webhook_id": .string(webhookID), "channel_id": .string(channelID), "received_at": .double(receivedAt),
         "thread_id": threadID.map(JSONValue.string) ?? .null, "body": body, "content": .string(content),
         "mention_everyone": .bool(mentions.everyone), "mentions": .array(mentions.users.map(JSONValue.string)),
         "mention_roles": .array(mentions.roles.map(JSONValue.string))]
    }
}
