/// What a poll of the Live Stream API can fail with, and what the poller should do about it.
/// No case carries the request URL (it holds the key).
public enum RumbleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401/403/404: the key was reset or revoked; polling again will not help.
    case keyRejected(status: Int)
    /// 429: `retryAfterSeconds` from `Retry-After` when sent.
    case rateLimited(retryAfterSeconds: Int?)
    /// 5xx.
    case unavailable(status: Int, retryAfterSeconds: Int?)
    /// Any other non-success status.
    case requestFailed(status: Int)
    /// A success answer that is not the documented JSON (missing `livestreams`, a stream without
    /// `id` or `is_live`, or not JSON: e.g. a Cloudflare challenge page).
    case invalidResponse(String)
    /// Connection, timeout or TLS failure.
    case transport(String)

    /// How the poller should schedule the next attempt.
    public enum BackoffHint: Sendable, Equatable {
        /// Wait at least this long (the server said so).
        case retryAfter(seconds: Int)
        /// A transient failure: back off exponentially from the normal interval.
        case exponential
        /// Do not poll this key again until someone fixes it (report it on the channel).
        case stop
    }

    public var backoff: BackoffHint {
        switch self {
        case .keyRejected: return .stop
        case .rateLimited(let seconds?), .unavailable(_, let seconds?): return .retryAfter(seconds: seconds)
        case .rateLimited, .unavailable, .requestFailed, .invalidResponse, .transport: return .exponential
        }
    }

    public var description: String {
        switch self {
        case .keyRejected(let status): return "Rumble rejected the Live Stream API key (\(status))"
        case .rateLimited(let seconds): return "rate limited by Rumble (429)" + (seconds.map { ", retry after \($0) s" } ?? "")
        case .unavailable(let status, let seconds): return "Rumble unavailable (\(status))" + (seconds.map { ", retry after \($0) s" } ?? "")
        case .requestFailed(let status): return "Rumble answered \(status)"
        case .invalidResponse(let message): return "unreadable Rumble response: \(message)"
        case .transport(let message): return "request to Rumble failed: \(message)"
        }
    }
}
