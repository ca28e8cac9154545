public import JSONValue

/// The `subscription` object every EventSub body carries.
public struct EventSubSubscription: Sendable, Equatable {
    public let id: String
    public let type: String
    public let version: String
    public let status: String
    public let condition: [String: JSONValue]
    public let callback: String?
    public let createdAt: String?
}

/// A parsed webhook body: the subscription, plus `event` (notifications) or `challenge`
/// (callback verification).
public struct EventSubEnvelope: Sendable {
    public let subscription: EventSubSubscription
    public let event: [String: JSONValue]?
    public let challenge: String?

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func parse(_ body: some Collection<UInt8>) throws(Invalid) -> EventSubEnvelope {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            throw Invalid(description: "body is not valid JSON (\(error.description))")
        }
        guard let root = document.objectValue else { throw Invalid(description: "body is not a JSON object") }
        guard let subscription = root["subscription"]?.objectValue else {
            throw Invalid(description: "missing field subscription")
        }
        func text(_ name: String) throws(Invalid) -> String {
            guard let value = subscription[name]?.stringValue, !value.isEmpty else {
                throw Invalid(description: "missing field subscription.\(name)")
            }
            return value
        }
        let parsed = EventSubSubscription(
            id: try text("id"), type: try text("type"), version: try text("version"), status: try text("status"),
            condition: subscription["condition"]?.objectValue ?? [:],
            callback: subscription["transport"]?["callback"]?.stringValue,
            createdAt: subscription["created_at"]?.stringValue)
        return EventSubEnvelope(subscription: parsed, event: root["event"]?.objectValue, challenge: root["challenge"]?.stringValue)
    }
}
