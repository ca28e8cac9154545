import Base64Encoding
import Crypto

/// A Standard Webhooks signing secret: random bytes, shown to the user once as `whsec_` +
/// base64. One per destination; rotating makes a new one while the old one still signs for a
/// while (`StandardWebhookSigner` with both).
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible {
    public static let prefix = "whsec_"

    /// The HMAC key.
    public let bytes: [UInt8]

    /// A secret from its bytes (the spec asks for 24–64 random bytes; any non-empty key works).
    public init?(bytes: [UInt8]) {
        guard !bytes.isEmpty, bytes.count <= 256 else { return nil }
        self.bytes = bytes
    }

    /// Parses `whsec_<base64>` (the prefix is optional, base64 padding too, as the reference
    /// libraries accept). Nil for anything else.
    public init?(_ text: String) {
        let encoded = text.hasPrefix(Self.prefix) ? String(text.dropFirst(Self.prefix.count)) : text
        guard let bytes = Base64.decode(Array(encoded.utf8)) else { return nil }
        self.init(bytes: bytes)
    }

    /// 32 fresh random bytes (within the spec's 24–64).
    public static func generate() -> WebhookSecret {
        let key = SymmetricKey(size: .bits256)
        return WebhookSecret(bytes: key.withUnsafeBytes { Array($0) })!
    }

    /// `whsec_` + base64: the form shown once to the user and stored (sealed).
    public var encoded: String { Self.prefix + Base64.encode(bytes) }

    /// Never the secret itself, so a secret in a log line stays secret.
    public var description: String { "whsec_<redacted>" }
}
