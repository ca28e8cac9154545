import JSONValue

/// One EventSub subscription as Helix reports it. Twitch never returns the secret, so whoever
/// creates a subscription has to store its secret.
public struct HelixSubscription: Sendable, Equatable {
    public let id: String
    /// `enabled`, `webhook_callback_verification_pending`, `authorization_revoked`, …; only
    /// `enabled` delivers events.
    public let status: String
    public let type: String
    public let version: String
    public let condition: [String: String]
    /// RFC 3339.
    public let createdAt: String
    /// The webhook callback (nil for websocket and conduit transports).
    public let callback: String?
    /// How much it counts against `max_total_cost` (0 when the user has authorized the app).
    public let cost: Int

    public init(id: String, status: String, type: String, version: String, condition: [String: String], createdAt: String,
                callback: String?, cost: Int) {
        self.id = id
        self.status = status
        self.type = type
        self.version = version
        self.condition = condition
        self.createdAt = createdAt
        self.callback = callback
        self.cost = cost
    }

    init(json: JSONValue) throws(HelixError) {
        let fields = try JSONFields(json, context: "subscription")
        var condition: [String: String] = [:]
        for (key, value) in json["condition"]?.objectValue ?? [:] {
            // Condition values are strings in every documented type; anything else is kept as its JSON text.
            condition[key] = value.stringValue ?? JSONWriter.string(value)
        }
        self.init(
            id: try fields.string("id"), status: try fields.string("status"), type: try fields.string("type"),
            version: try fields.string("version"), condition: condition, createdAt: fields.optionalString("created_at") ?? "",
            callback: json["transport"]?["callback"]?.stringValue, cost: fields.optionalInt("cost") ?? 0)
    }
}
