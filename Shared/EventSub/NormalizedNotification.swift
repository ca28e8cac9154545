public import JSONValue

/// A Twitch user as EventSub names one: id, login and display name.
public struct TwitchUser: Sendable, Equatable {
    public let id: String
    public let login: String?
    public let name: String?

    public init(id: String, login: String?, name: String?) {
        self.id = id
        self.login = login
        self.name = name
    }

    public var json: JSONValue {
        ["id": .string(id), "login": login.map(JSONValue.string) ?? .null, "name": name.map(JSONValue.string) ?? .null]
    }
}

/// The compact form of one notification: what the NOC view needs, independent of tenants.
/// The raw body is kept alongside it so nothing Twitch sent is ever dropped.
public struct NormalizedNotification: Sendable {
    public let messageID: String
    public let subscriptionID: String
    public let subscriptionType: String
    public let subscriptionVersion: String
    /// When it happened (the event's own timestamp where it has one, else the delivery's), RFC 3339 UTC.
    public let occurredAt: String
    /// The channel the event belongs to (for raids: the raided channel).
    public let broadcaster: TwitchUser?
    /// Every Twitch user id whose trackers get this event (raids: both channels).
    public let routingUserIDs: [String]
    /// A small type-specific object of display fields.
    public let data: JSONValue
    /// The request body exactly as received.
    public let rawBody: [UInt8]
    /// `webhook`, or `poll` for events synthesized by status reconciliation.
    public var source: String = "webhook"
    /// `twitch`, or `youtube` / `rumble` for a platform change (a YouTube push checked against
    /// the Data API, a Rumble poll): then `broadcaster` is the platform's channel, routing goes by
    /// the channels agencies added (`creator_channels`), and `messageID` is the platform's dedupe
    /// key ("<platform>:<stream id>:<transition>").
    public var platform: String = "twitch"

    public init(messageID: String, subscriptionID: String, subscriptionType: String, subscriptionVersion: String, occurredAt: String,
                broadcaster: TwitchUser?, routingUserIDs: [String], data: JSONValue, rawBody: [UInt8], source: String = "webhook",
                platform: String = "twitch") {
        self.messageID = messageID
        self.subscriptionID = subscriptionID
        self.subscriptionType = subscriptionType
        self.subscriptionVersion = subscriptionVersion
        self.occurredAt = occurredAt
        self.broadcaster = broadcaster
        self.routingUserIDs = routingUserIDs
        self.data = data
        self.rawBody = rawBody
        self.source = source
        self.platform = platform
    }
}
