public import Settings

/// Which user-given URLs the product may call (Discord/Slack webhooks, agencies' own endpoints).
///
/// Production: `https` only, no credentials in the URL, and every address the host resolves to
/// must be public (`AddressClassification.Scope.global`). `check(url:)` is the save-time check
/// (a readable reason for a 422); `GuardedHTTPClient` repeats the address check at connect time
/// on what DNS answers *then*, because a name that was public when saved can be re-pointed at
/// 127.0.0.1 (DNS rebinding) later.
///
/// Settings (`OutboundURLPolicy.fromEnvironment`):
/// - `OUTBOUND_ALLOW_PRIVATE=true`: also `http`, loopback and private networks (RFC 1918, CGNAT,
///   unique local). Only for tests and the local stand-ins; link-local, cloud metadata and the
///   other forbidden ranges stay refused even then.
/// - `OUTBOUND_ALLOWED_PORTS=443,8443`: restricts destination ports (unset: any port). Webhook
///   receivers legitimately use odd ports, so the default is open; operators whose egress
///   network reaches port-sensitive services can narrow it.
public struct OutboundURLPolicy: Sendable, Hashable {
    public var allowPrivate: Bool
    /// Destination ports that are allowed; nil allows every port.
    public var allowedPorts: Set<Int>?

    public init(allowPrivate: Bool = false, allowedPorts: Set<Int>? = nil) {
        self.allowPrivate = allowPrivate
        self.allowedPorts = allowedPorts
    }

    /// The production policy: https, public addresses only, any port.
    public static let production = OutboundURLPolicy()

    /// `OUTBOUND_ALLOW_PRIVATE` (default false) and `OUTBOUND_ALLOWED_PORTS` (comma-separated).
    public static func fromEnvironment(_ environment: Environment) throws -> OutboundURLPolicy {
        let allowPrivate = try environment.bool("OUTBOUND_ALLOW_PRIVATE", default: false)
        var ports: Set<Int>?
        if let text = environment.optional("OUTBOUND_ALLOWED_PORTS") {
            var parsed = Set<Int>()
            for item in text.split(separator: ",") {
                guard let port = Int(item.trimmingWhitespace()), (1...65535).contains(port) else {
                    throw ConfigurationError("OUTBOUND_ALLOWED_PORTS must be comma-separated ports 1...65535 (got \(text))")
                }
                parsed.insert(port)
            }
            ports = parsed
        }
        return OutboundURLPolicy(allowPrivate: allowPrivate, allowedPorts: ports)
    }

    /// Why a URL or an address is refused: a sentence for the user and the delivery log.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public enum Kind: Sendable, Hashable {
            /// The URL itself: malformed, a scheme or port that is not allowed.
            case url
            /// Where it points: an address (or a loopback name) the policy refuses.
            case address
        }

        public let kind: Kind
        public let reason: String
        public init(_ kind: Kind, _ reason: String) {
            self.kind = kind
            self.reason = reason
        }
        public var description: String { reason }
    }

    /// The save-time check: the URL parses strictly, the scheme and port are allowed, an address
    /// literal is allowed, and a name is not one that is loopback by definition (`localhost`,
    /// `*.localhost`, RFC 6761). Names are not resolved here; the client checks what they resolve
    /// to on every connection.
    public func check(url text: String) -> Result<OutboundURL, Refusal> {
        let url: OutboundURL
        switch OutboundURL.parse(text) {
        case .success(let parsed): url = parsed
        case .failure(let error): return .failure(Refusal(.url, error.reason))
        }
        if url.scheme != "https" && !allowPrivate {
            return .failure(Refusal(.url, "only https URLs are allowed (got http:)"))
        }
        if let allowedPorts, !allowedPorts.contains(url.port) {
            return .failure(Refusal(.url, "port \(url.port) is not allowed (allowed: \(allowedPorts.sorted().map(String.init).joined(separator: ", ")))"))
        }
        switch url.host {
        case .address(let address):
            if let refusal = check(address: address) { return .failure(refusal) }
        case .name(let name):
            if !allowPrivate && (name == "localhost" || name.hasSuffix(".localhost")) {
                return .failure(Refusal(.address, "\(name) is a loopback name; the destination must be a public host"))
            }
        }
        return .success(url)
    }

    /// Nil when the policy allows connecting to `address`; otherwise why not.
    public func check(address: IPAddress) -> Refusal? {
        let classification = AddressClassification.of(address)
        switch classification.scope {
        case .global:
            return nil
        case .local where allowPrivate:
            return nil
        case .local:
            return Refusal(.address, "\(address) is \(classification); the destination must be a public address")
        case .forbidden:
            return Refusal(.address, "\(address) is \(classification), which is never a destination")
        }
    }
}
