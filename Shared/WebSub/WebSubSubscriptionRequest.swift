import URLEncoding

public enum WebSubMode: String, Sendable, Equatable {
    case subscribe, unsubscribe
}

/// A subscriber's request to a hub (§5.1): `POST` with an `application/x-www-form-urlencoded`
/// body of `hub.callback`, `hub.mode`, `hub.topic` and optionally `hub.lease_seconds`,
/// `hub.secret` and `hub.verify` (PubSubHubbub 0.3's `async`/`sync`, which Google's hub still reads).
public struct WebSubSubscriptionRequest: Sendable, Equatable {
    public static let contentType = "application/x-www-form-urlencoded"
    /// §5.1: the secret MUST be less than 200 bytes.
    public static let maximumSecretBytes = 199

    public var mode: WebSubMode
    public var topic: String
    public var callback: String
    public var leaseSeconds: Int?
    public var secret: String?
    public var verify: String?

    public init(mode: WebSubMode, topic: String, callback: String, leaseSeconds: Int? = nil, secret: String? = nil, verify: String? = "async") {
        self.mode = mode
        self.topic = topic
        self.callback = callback
        self.leaseSeconds = leaseSeconds
        self.secret = secret
        self.verify = verify
    }

    /// The form fields in a fixed order.
    public var fields: [(String, String)] {
        var fields = [("hub.callback", callback), ("hub.mode", mode.rawValue), ("hub.topic", topic)]
        if let leaseSeconds { fields.append(("hub.lease_seconds", String(leaseSeconds))) }
        if let secret { fields.append(("hub.secret", secret)) }
        if let verify { fields.append(("hub.verify", verify)) }
        return fields
    }

    /// The request body, after `validate()`.
    public var formBody: String { PercentEncoding.form(fields) }

    /// What the spec requires of a request before it is sent: http(s) callback and topic, a
    /// positive lease, a secret under 200 bytes and only over HTTPS (a loopback callback is allowed
    /// for the local hub stand-in).
    public func validate() throws(WebSubRequestError) {
        guard Self.isHTTPURL(topic) else { throw .invalidTopic(topic) }
        guard Self.isHTTPURL(callback) else { throw .invalidCallback(callback) }
        if let leaseSeconds, leaseSeconds <= 0 { throw .invalidLeaseSeconds(leaseSeconds) }
        if let secret {
            guard !secret.isEmpty, secret.utf8.count <= Self.maximumSecretBytes else { throw .invalidSecret }
            guard callback.hasPrefix("https://") || Self.isLoopback(callback) else { throw .secretRequiresHTTPS }
        }
    }

    private static func isHTTPURL(_ text: String) -> Bool {
        (text.hasPrefix("https://") || text.hasPrefix("http://")) && !text.contains(where: { $0 == " " || $0.isNewline })
    }

    private static func isLoopback(_ url: String) -> Bool {
        ["http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/", "http://[::1]:", "http://[::1]/"]
            .contains { url.hasPrefix($0) }
    }
}

public enum WebSubRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidTopic(String)
    case invalidCallback(String)
    case invalidLeaseSeconds(Int)
    /// Empty, or 200 bytes or more.
    case invalidSecret
    /// §5.1: a secret only over HTTPS callbacks (it would be readable on the way to a plain one).
    case secretRequiresHTTPS

    public var description: String {
        switch self {
        case .invalidTopic(let topic): return "topic is not an http(s) URL: \(topic)"
        case .invalidCallback(let callback): return "callback is not an http(s) URL: \(callback)"
        case .invalidLeaseSeconds(let seconds): return "lease must be positive (got \(seconds))"
        case .invalidSecret: return "hub.secret must be 1 to 199 bytes"
        case .secretRequiresHTTPS: return "hub.secret is only sent for an https callback"
        }
    }
}
