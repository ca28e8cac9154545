/// Why an outgoing request got no HTTP response. Any response, whatever its status (a 3xx
/// included), is an `OutboundResponse` instead: deciding what a status means is the caller's job.
public enum OutboundHTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL is malformed, or its scheme or port is not allowed.
    case invalidURL(reason: String)
    /// The host is, or resolved to, an address the policy refuses (SSRF guard).
    case blockedAddress(reason: String)
    /// The name did not resolve (NXDOMAIN, no addresses, resolver failure or resolver timeout).
    case dnsFailure(host: String, reason: String)
    /// No connection within the connect timeout.
    case connectTimeout
    /// The destination refused the connection (nothing listens on the port).
    case connectionRefused
    /// The request did not complete within the total timeout (connect, send, response head
    /// and the capped body).
    case timeout
    /// Anything else below HTTP: TLS failure, connection reset, network unreachable.
    case transport(reason: String)

    /// True for failures that may pass on their own (DNS, timeouts, refused, transport), false
    /// for the ones that will repeat until the destination is changed (invalid or blocked).
    public var isRetryable: Bool {
        switch self {
        case .invalidURL, .blockedAddress: return false
        case .dnsFailure, .connectTimeout, .connectionRefused, .timeout, .transport: return true
        }
    }

    public var description: String {
        switch self {
        case .invalidURL(let reason): return "invalid URL: \(reason)"
        case .blockedAddress(let reason): return "blocked: \(reason)"
        case .dnsFailure(let host, let reason): return "DNS lookup of \(host) failed: \(reason)"
        case .connectTimeout: return "connect timeout"
        case .connectionRefused: return "connection refused"
        case .timeout: return "timed out"
        case .transport(let reason): return "transport error: \(reason)"
        }
    }
}
