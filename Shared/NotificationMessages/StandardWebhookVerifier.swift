import Base64Encoding

/// The receiving side of Standard Webhooks v1, for tests and the local receiver: the three
/// headers are present, the timestamp is within the tolerance (the reference libraries use
/// ±5 minutes), and one `v1,` signature in the space-separated list matches one of the secrets,
/// compared in constant time. Unknown versions (`v1a,` asymmetric) are skipped, not refused.
public struct StandardWebhookVerifier: Sendable {
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case missingHeader(String)
        case invalidTimestamp
        case staleTimestamp
        case futureTimestamp
        case noMatchingSignature

        public var description: String {
            switch self {
            case .missingHeader(let name): return "missing \(name) header"
            case .invalidTimestamp: return "webhook-timestamp is not Unix seconds"
            case .staleTimestamp: return "webhook-timestamp is too old"
            case .futureTimestamp: return "webhook-timestamp is too far in the future"
            case .noMatchingSignature: return "no matching signature"
            }
        }
    }

    private let secrets: [WebhookSecret]
    public let toleranceSeconds: Int64

    public init(secrets: [WebhookSecret], toleranceSeconds: Int64 = 300) {
        precondition(!secrets.isEmpty, "a webhook verifier needs at least one secret")
        self.secrets = secrets
        self.toleranceSeconds = toleranceSeconds
    }

    /// Checks a delivery; throws why it is refused. `header` looks a header up by its lower-case
    /// name; `now` is Unix seconds.
    public func verify(header: (String) -> String?, body: some Collection<UInt8>, now: Int64) throws(Failure) {
        typealias Header = StandardWebhookSigner.Header
        guard let id = header(Header.id), !id.isEmpty else { throw .missingHeader(Header.id) }
        guard let timestampText = header(Header.timestamp), !timestampText.isEmpty else { throw .missingHeader(Header.timestamp) }
        guard let signatures = header(Header.signature), !signatures.isEmpty else { throw .missingHeader(Header.signature) }
        guard timestampText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let timestamp = Int64(timestampText) else {
            throw .invalidTimestamp
        }
        if timestamp < now - toleranceSeconds { throw .staleTimestamp }
        if timestamp > now + toleranceSeconds { throw .futureTimestamp }
        let content = StandardWebhookSigner.signedContent(messageID: id, timestamp: timestamp, body: body)
        let expected = secrets.map { StandardWebhookSigner.mac(content, key: $0) }
        var matched = false
        for entry in signatures.split(separator: " ") {
            guard entry.hasPrefix("v1,"), let provided = Base64.decode(Array(entry.dropFirst(3).utf8)) else { continue }
            // Every candidate is compared (no early exit), each in constant time.
            for mac in expected where Self.constantTimeEquals(mac, provided) { matched = true }
        }
        if !matched { throw .noMatchingSignature }
    }

    /// Same, with headers as a dictionary (names in any case).
    public func verify(headers: [String: String], body: some Collection<UInt8>, now: Int64) throws(Failure) {
        var lowered: [String: String] = [:]
        for (name, value) in headers { lowered[name.lowercased()] = value }
        try verify(header: { lowered[$0] }, body: body, now: now)
    }

    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
