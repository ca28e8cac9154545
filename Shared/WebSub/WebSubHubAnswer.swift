import Settings

/// What a hub said to a subscription request (§5.1.1, §5.1.2).
public enum WebSubHubAnswer: Sendable, Equatable {
    /// 202 (any 2xx but 204): the hub will verify the intent with a GET to the callback.
    case accepted
    /// 204: a PubSubHubbub 0.3 hub verified synchronously and the subscription is active.
    case verified
    /// 307/308: the hub names another hub at `location` (nil when the header is missing). Not
    /// followed automatically (see `WebSubHubClient`).
    case redirect(status: Int, location: String?)
    /// 4xx: the hub refused the request; `reason` is the body. 429 is `retryable`.
    case refused(status: Int, reason: String)
    /// 5xx or anything unexpected: the hub failed; try again later.
    case failed(status: Int, reason: String)

    /// The longest body kept as a reason (hubs answer HTML error pages too).
    public static let maximumReasonLength = 500

    public init(status: Int, body: some Collection<UInt8>, location: String?) {
        let reason = Self.reason(body)
        switch status {
        case 204: self = .verified
        case 200..<300: self = .accepted
        case 307, 308: self = .redirect(status: status, location: location)
        case 400..<500: self = .refused(status: status, reason: reason)
        default: self = .failed(status: status, reason: reason)
        }
    }

    /// Worth sending again later unchanged (hub failure or rate limit), as opposed to a request
    /// the hub will keep refusing.
    public var isRetryable: Bool {
        switch self {
        case .failed: return true
        case .refused(let status, _): return status == 429 || status == 408
        default: return false
        }
    }

    private static func reason(_ body: some Collection<UInt8>) -> String {
        let text = String(decoding: body.prefix(maximumReasonLength * 4), as: UTF8.self)
        let printable = text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) }
        let trimmed = String(printable).trimmingWhitespace()
        return String(trimmed.prefix(maximumReasonLength))
    }
}
