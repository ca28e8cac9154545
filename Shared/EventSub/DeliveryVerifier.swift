/// What the headers of a verified delivery said.
public struct EventSubDelivery: Sendable, Equatable {
    public let messageID: String
    public let timestamp: String
    public let timestampSeconds: Double
    public let messageType: EventSubMessageType
    public let subscriptionType: String?
    public let subscriptionVersion: String?

    public init(messageID: String, timestamp: String, timestampSeconds: Double, messageType: EventSubMessageType,
                subscriptionType: String?, subscriptionVersion: String?) {
        self.messageID = messageID
        self.timestamp = timestamp
        self.timestampSeconds = timestampSeconds
        self.messageType = messageType
        self.subscriptionType = subscriptionType
        self.subscriptionVersion = subscriptionVersion
    }
}

/// Why a delivery was refused. Every case is answered 403 except `unknownMessageType` (400, the
/// request was authentic but not something Twitch documents).
public enum DeliveryRejection: Error, Equatable, Sendable, CustomStringConvertible {
    case missingHeader(String)
    case badSignature
    case invalidTimestamp
    case staleTimestamp
    case futureTimestamp
    case unknownMessageType(String)

    public var description: String {
        switch self {
        case .missingHeader(let name): return "missing header \(name)"
        case .badSignature: return "signature does not match"
        case .invalidTimestamp: return "message timestamp is not RFC 3339"
        case .staleTimestamp: return "message timestamp is more than 10 minutes old"
        case .futureTimestamp: return "message timestamp is in the future"
        case .unknownMessageType(let type): return "unknown message type \(type)"
        }
    }
}

/// Checks a delivery the way Twitch's webhook guide prescribes: headers present, HMAC over the raw
/// body valid, timestamp no older than 10 minutes (replay guard) and not ahead of our clock by
/// more than the allowed skew.
public struct DeliveryVerifier: Sendable {
    public let signatures: SignatureVerifier
    public let maximumAgeSeconds: Double
    public let maximumClockSkewSeconds: Double

    public init(signatures: SignatureVerifier, maximumAgeSeconds: Double = 600, maximumClockSkewSeconds: Double = 60) {
        self.signatures = signatures
        self.maximumAgeSeconds = maximumAgeSeconds
        self.maximumClockSkewSeconds = maximumClockSkewSeconds
    }

    /// `header` looks a header up by its lower-case name.
    public func verify(
        header: (String) -> String?, body: some Collection<UInt8>, now: Double
    ) -> Result<EventSubDelivery, DeliveryRejection> {
        guard let messageID = header(EventSubHeader.messageID), !messageID.isEmpty else {
            return .failure(.missingHeader("Twitch-Eventsub-Message-Id"))
        }
        guard let timestamp = header(EventSubHeader.messageTimestamp), !timestamp.isEmpty else {
            return .failure(.missingHeader("Twitch-Eventsub-Message-Timestamp"))
        }
        guard let signature = header(EventSubHeader.messageSignature), !signature.isEmpty else {
            return .failure(.missingHeader("Twitch-Eventsub-Message-Signature"))
        }
        guard let typeText = header(EventSubHeader.messageType), !typeText.isEmpty else {
            return .failure(.missingHeader("Twitch-Eventsub-Message-Type"))
        }
        guard signatures.isValid(messageID: messageID, timestamp: timestamp, body: body, signature: signature) else {
            return .failure(.badSignature)
        }
        guard let seconds = RFC3339.unixSeconds(timestamp) else { return .failure(.invalidTimestamp) }
        if now - seconds > maximumAgeSeconds { return .failure(.staleTimestamp) }
        if seconds - now > maximumClockSkewSeconds { return .failure(.futureTimestamp) }
        guard let messageType = EventSubMessageType(rawValue: typeText) else {
            return .failure(.unknownMessageType(typeText))
        }
        return .success(EventSubDelivery(
            messageID: messageID, timestamp: timestamp, timestampSeconds: seconds, messageType: messageType,
            subscriptionType: header(EventSubHeader.subscriptionType),
            subscriptionVersion: header(EventSubHeader.subscriptionVersion)))
    }
}
