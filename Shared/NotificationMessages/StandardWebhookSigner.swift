import Base64Encoding
import Crypto

/// Signs outgoing webhooks per Standard Webhooks v1: `webhook-id`, `webhook-timestamp` (Unix
/// seconds of this attempt) and `webhook-signature`, which is `v1,` + base64(HMAC-SHA256(key,
/// "{id}.{timestamp}.{body}")) for each secret, space-separated. Several secrets during a
/// rotation: receivers holding either the old or the new one accept the delivery.
///
/// The body signed must be the exact bytes sent.
public struct StandardWebhookSigner: Sendable {
    public enum Header {
        public static let id = "webhook-id"
        public static let timestamp = "webhook-timestamp"
        public static let signature = "webhook-signature"
    }

    private let secrets: [WebhookSecret]

    /// The current secret first, then any still in rotation.
    public init(secrets: [WebhookSecret]) {
        precondition(!secrets.isEmpty, "a webhook signer needs at least one secret")
        self.secrets = secrets
    }

    public init(secret: WebhookSecret) { self.init(secrets: [secret]) }

    /// The `webhook-signature` value.
    public func signature(messageID: String, timestamp: Int64, body: some Collection<UInt8>) -> String {
        let signed = Self.signedContent(messageID: messageID, timestamp: timestamp, body: body)
        return secrets.map { "v1," + Base64.encode(Self.mac(signed, key: $0)) }.joined(separator: " ")
    }

    /// The three headers, in the order the spec lists them.
    public func headers(messageID: String, timestamp: Int64, body: some Collection<UInt8>) -> [(String, String)] {
        [(Header.id, messageID), (Header.timestamp, String(timestamp)),
         (Header.signature, signature(messageID: messageID, timestamp: timestamp, body: body))]
    }

    /// A `webhook-id` that is the same for every attempt of one (event, destination), so the
    /// receiver can drop a repeat: `msg_` + base64url of SHA-256 over both ids (no `.`, which
    /// the signed content uses as its separator).
    public static func messageID(eventID: String, destinationID: String) -> String {
        var hash = SHA256()
        hash.update(data: Array("\(eventID.utf8.count):\(eventID)".utf8))
        hash.update(data: Array(destinationID.utf8))
        return "msg_" + Base64URL.encode(Array(hash.finalize()).prefix(18))
    }

    static func signedContent(messageID: String, timestamp: Int64, body: some Collection<UInt8>) -> [UInt8] {
        Array("\(messageID).\(timestamp).".utf8) + Array(body)
    }

    static func mac(_ content: [UInt8], key: WebhookSecret) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key.bytes)))
    }
}
