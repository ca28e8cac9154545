import JSONValue

/// One notification sent by `trigger`, and what the callback answered.
public struct TriggeredDelivery: Sendable, Equatable {
    /// nil when the notification went to an explicit callback no subscription matched.
    public let subscriptionID: String?
    public let callback: String
    public let messageID: String
    /// The callback's HTTP status, nil when the request failed.
    public let status: Int?
    public let error: String?

    var json: JSONValue {
        ["subscription_id": subscriptionID.map { .string($0) } ?? .null, "callback": .string(callback), "message_id": .string(messageID),
         "status": status.map { .int(Int64($0)) } ?? .null, "error": error.map { .string($0) } ?? .null]
    }
}
