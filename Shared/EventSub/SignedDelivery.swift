import RandomBytes
public import JSONValue

/// Builds EventSub webhook requests exactly as Twitch sends them (headers and signed body): for
/// the local Twitch stand-in, the demo script, benchmarks and tests.
public struct SignedDelivery: Sendable {
    public let headers: [(String, String)]
    public let body: [UInt8]

    public init(headers: [(String, String)], body: [UInt8]) {
        self.headers = headers
        self.body = body
    }

    public static func notification(
        type: String, version: String, event: JSONValue, condition: JSONValue, secret: String,
        messageID: String, timestamp: String, subscriptionID: String = "f1c2a387-161a-49f9-a165-0f21d7a4e1c4"
    ) -> SignedDelivery {
        let body: JSONValue = ["subscription": subscription(id: subscriptionID, type: type, version: version, status: "enabled", condition: condition),
                               "event": event]
        return signed(messageType: "notification", type: type, version: version, body: JSONWriter.string(body),
                      secret: secret, messageID: messageID, timestamp: timestamp)
    }

    public static func challenge(
        type: String, version: String, condition: JSONValue, challenge: String, secret: String,
        messageID: String, timestamp: String, subscriptionID: String
    ) -> SignedDelivery {
        let body: JSONValue = ["challenge": .string(challenge),
                               "subscription": subscription(id: subscriptionID, type: type, version: version,
                                                            status: "webhook_callback_verification_pending", condition: condition)]
        return signed(messageType: "webhook_callback_verification", type: type, version: version, body: JSONWriter.string(body),
                      secret: secret, messageID: messageID, timestamp: timestamp)
    }

    public static func revocation(
        type: String, version: String, condition: JSONValue, status: String, secret: String,
        messageID: String, timestamp: String, subscriptionID: String
    ) -> SignedDelivery {
        let body: JSONValue = ["subscription": subscription(id: subscriptionID, type: type, version: version, status: status, condition: condition)]
        return signed(messageType: "revocation", type: type, version: version, body: JSONWriter.string(body),
                      secret: secret, messageID: messageID, timestamp: timestamp)
    }

    /// Signs an arbitrary body (tests use it for malformed bodies with valid signatures).
    public static func signed(
        messageType: String, type: String, version: String, body: String, secret: String, messageID: String, timestamp: String
    ) -> SignedDelivery {
        let bytes = Array(body.utf8)
        let signature = SignatureVerifier.sign(secret: secret, messageID: messageID, timestamp: timestamp, body: bytes)
        return SignedDelivery(headers: [
            ("Content-Type", "application/json"),
            ("Twitch-Eventsub-Message-Id", messageID),
            ("Twitch-Eventsub-Message-Retry", "0"),
            ("Twitch-Eventsub-Message-Type", messageType),
            ("Twitch-Eventsub-Message-Signature", signature),
            ("Twitch-Eventsub-Message-Timestamp", timestamp),
            ("Twitch-Eventsub-Subscription-Type", type),
            ("Twitch-Eventsub-Subscription-Version", version),
        ], body: bytes)
    }

    private static func subscription(id: String, type: String, version: String, status: String, condition: JSONValue) -> JSONValue {
        ["id": .string(id), "type": .string(type), "version": .string(version), "status": .string(status), "cost": 0,
         "condition": condition, "transport": ["method": "webhook", "callback": "https://example.com/webhooks/twitch"],
         "created_at": "2026-01-01T00:00:00.000000000Z"]
    }

    /// A fresh message id in Twitch's format (a UUID).
    public static func newMessageID() -> String {
        let hex = SignatureVerifier.hex(RandomBytes.make(16))
        let chars = Array(hex)
        return String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-" + String(chars[12..<16]) + "-" + String(chars[16..<20]) + "-" + String(chars[20..<32])
    }
}
