import Crypto
public import Settings

/// Per-subscription `hub.secret`s derived from one master secret: HMAC-SHA256(master, topic) as
/// hex. Every topic gets its own secret (a secret leaked from one subscription signs nothing for
/// another) and nothing has to be stored: the webhook derives the secret again from the topic it
/// identified by the callback URL.
///
/// Rotation: new subscriptions use the first master; the others stay accepted for signatures
/// until every subscription has been renewed with the new one (the lease renewal job re-subscribes
/// within one lease, and a hub keeps the old secret until the new request is verified, §5.1).
public struct WebSubSecrets: Sendable {
    private let masters: [String]

    /// `masters[0]` is current; the rest are still accepted.
    public init(masters: [String]) {
        precondition(!masters.isEmpty && masters.allSatisfy { !$0.isEmpty }, "at least one non-empty WebSub master secret is required")
        self.masters = masters
    }

    /// `YOUTUBE_WEBSUB_SECRET` (10–100 printable ASCII characters) and, during a rotation,
    /// `YOUTUBE_WEBSUB_SECRET_PREVIOUS`.
    public static func fromEnvironment(_ environment: Environment) throws -> WebSubSecrets {
        var masters = [try environment.secret("YOUTUBE_WEBSUB_SECRET")]
        if environment.optional("YOUTUBE_WEBSUB_SECRET_PREVIOUS") != nil {
            masters.append(try environment.secret("YOUTUBE_WEBSUB_SECRET_PREVIOUS"))
        }
        return WebSubSecrets(masters: masters)
    }

    /// The secret to send as `hub.secret` for `topic` (64 hex characters, well under the 200-byte limit).
    public func secret(forTopic topic: String) -> String {
        Self.derive(master: masters[0], topic: topic)
    }

    /// Every secret a notification for `topic` may be signed with, current first.
    public func acceptedSecrets(forTopic topic: String) -> [String] {
        masters.map { Self.derive(master: $0, topic: topic) }
    }

    private static func derive(master: String, topic: String) -> String {
        // A label keeps these keys apart from any other use of the same master.
        let message = Array("websub hub.secret v1\u{0}".utf8) + Array(topic.utf8)
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(master.utf8))))
    }
}
