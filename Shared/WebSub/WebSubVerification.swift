public import URLEncoding

/// What we asked a hub for and now expect it to verify: kept by the caller per callback.
public struct WebSubIntent: Sendable, Equatable {
    public var mode: WebSubMode
    public var topic: String

    public init(mode: WebSubMode, topic: String) {
        self.mode = mode
        self.topic = topic
    }
}

/// A verification `GET` the subscriber confirms.
public enum WebSubVerification: Sendable, Equatable {
    /// Answer 2xx with exactly `challenge` as the body (§5.3). For `subscribe`, the lease starts
    /// now and lasts `leaseSeconds` (the hub's choice, which may differ from what we asked).
    case confirm(challenge: String, mode: WebSubMode, topic: String, leaseSeconds: Int?)
    /// `hub.mode=denied` (§5.2): the hub refused the subscription; answer 2xx, record it.
    case denied(topic: String, reason: String?)
}

/// Why a verification `GET` is not confirmed: every case is answered 404 (§5.3.1), so a hub (or
/// anyone else) cannot subscribe us to something we did not ask for, nor unsubscribe us.
public enum WebSubVerificationRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// No subscription is pending or wanted for this callback.
    case notRequested
    case missingParameter(String)
    case unknownMode(String)
    case topicMismatch(expected: String, received: String)
    /// E.g. an `unsubscribe` verification for a topic we want to stay subscribed to.
    case modeMismatch(expected: WebSubMode, received: String)
    /// Empty, longer than `WebSubVerifier.maximumChallengeLength`, or not printable ASCII (it is echoed verbatim).
    case invalidChallenge
    case invalidLeaseSeconds(String)

    public var statusCode: Int { 404 }

    public var description: String {
        switch self {
        case .notRequested: return "no subscription was requested for this callback"
        case .missingParameter(let name): return "missing \(name)"
        case .unknownMode(let mode): return "unknown hub.mode \(mode.prefix(32))"
        case .topicMismatch(let expected, let received): return "hub.topic \(received.prefix(300)) is not the requested \(expected)"
        case .modeMismatch(let expected, let received): return "hub.mode \(received) does not match the requested \(expected.rawValue)"
        case .invalidChallenge: return "hub.challenge is empty, too long or not printable ASCII"
        case .invalidLeaseSeconds(let value): return "hub.lease_seconds \(value.prefix(32)) is not a positive whole number"
        }
    }
}

/// Validates the hub's verification requests (§5.2, §5.3) against what we asked for. Pure: the
/// caller looks the intent up by callback, and turns the result into a response.
public enum WebSubVerifier {
    /// The echoed challenge becomes our response body; the reference hub sends 128 characters.
    public static let maximumChallengeLength = 512
    /// A longer lease is read as this long: renewing early is harmless, trusting a near-perpetual
    /// lease (§5.3.1 forbids them) is not.
    public static let maximumLeaseSeconds = 366 * 86_400

    public static func verify(query: QueryItems, intent: WebSubIntent?) -> Result<WebSubVerification, WebSubVerificationRefusal> {
        guard let intent else { return .failure(.notRequested) }
        guard let mode = query.first("hub.mode") else { return .failure(.missingParameter("hub.mode")) }
        guard let topic = query.first("hub.topic") else { return .failure(.missingParameter("hub.topic")) }
        guard topic == intent.topic else { return .failure(.topicMismatch(expected: intent.topic, received: topic)) }
        if mode == "denied" {
            guard intent.mode == .subscribe else { return .failure(.modeMismatch(expected: intent.mode, received: mode)) }
            return .success(.denied(topic: topic, reason: query.first("hub.reason")))
        }
        guard let received = WebSubMode(rawValue: mode) else { return .failure(.unknownMode(mode)) }
        guard received == intent.mode else { return .failure(.modeMismatch(expected: intent.mode, received: mode)) }
        guard let challenge = query.first("hub.challenge") else { return .failure(.missingParameter("hub.challenge")) }
        guard !challenge.isEmpty, challenge.utf8.count <= maximumChallengeLength,
              challenge.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return .failure(.invalidChallenge) }
        var leaseSeconds: Int?
        if received == .subscribe {
            // §5.3: REQUIRED for subscribe; it is what the renewal is scheduled from.
            guard let text = query.first("hub.lease_seconds") else { return .failure(.missingParameter("hub.lease_seconds")) }
            guard !text.isEmpty, text.utf8.count <= 12, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let value = Int(text), value > 0
            else { return .failure(.invalidLeaseSeconds(text)) }
            leaseSeconds = min(value, maximumLeaseSeconds)
        }
        return .success(.confirm(challenge: challenge, mode: received, topic: topic, leaseSeconds: leaseSeconds))
    }
}
