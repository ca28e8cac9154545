public import JSONValue
public import NotificationMessages

/// A Standard Webhooks endpoint that verifies signatures: `POST /_receiver/{name}`.
public struct StandInReceiver: Sendable, Hashable {
    public let name: String
    public let secret: WebhookSecret

    public var path: String { "/_receiver/\(name)" }
    public func url(baseURL: String) -> String { baseURL + path }

    /// Names go into a path: 1–64 of `A-Z a-z 0-9 - _`.
    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        }
    }
}

/// One delivery a receiver accepted (its signature verified).
public struct ReceiverDelivery: Sendable, Hashable {
    public let receiver: String
    /// `webhook-id`: the same across a sender's retries of one message.
    public let messageID: String
    public let timestamp: Int64
    public let receivedAt: Double
    public let rawBody: [UInt8]
    /// An earlier accepted delivery had the same `webhook-id`.
    public let isDuplicate: Bool

    public var body: JSONValue? { try? JSONParser.parse(rawBody) }

    var json: JSONValue {
        ["receiver": .string(receiver), "webhook_id": .string(messageID), "webhook_timestamp": .int(timestamp),
         "received_at": .double(receivedAt), "duplicate": .bool(isDuplicate), "body": body ?? .string(String(decoding: rawBody, as: UTF8.self))]
    }
}
