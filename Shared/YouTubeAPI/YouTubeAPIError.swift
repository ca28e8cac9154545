/// Everything a Data API call can fail with. Google's error reasons (`error.errors[].reason`) that
/// callers act on get their own case; the rest keep status, reason and message.
public enum YouTubeAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Refused before sending (e.g. an id that is not a YouTube id).
    case invalidArgument(String)
    /// Refused locally: the call would pass today's budget. Nothing was sent or counted.
    case budgetExhausted(used: Int, limit: Int, day: String)
    /// The budget could not be read or counted (Redis unreachable), so nothing was sent.
    case quotaUnavailable(String)
    /// Google: `quotaExceeded` / `dailyLimitExceeded` (403). It does not clear before the Pacific
    /// midnight reset; the day is marked spent.
    case quotaExceeded(String)
    /// Google: the API key is invalid, expired or not allowed to call this API.
    case keyInvalid(String)
    /// Google: `rateLimitExceeded` / `userRateLimitExceeded` (403) or 429: retry later.
    case rateLimited(String)
    /// Any other 4xx/5xx with Google's first reason (nil when the body had none) and message.
    case requestFailed(status: Int, reason: String?, message: String)
    /// A success answer this client cannot read.
    case invalidResponse(String)
    /// The request did not complete (connection, timeout, TLS). The message never has the URL (it holds the key).
    case transport(String)

    public var description: String {
        switch self {
        case .invalidArgument(let message): return "invalid argument: \(message)"
        case .budgetExhausted(let used, let limit, let day): return "YouTube quota budget spent for \(day) (\(used) of \(limit) units)"
        case .quotaUnavailable(let message): return "YouTube quota budget unavailable: \(message)"
        case .quotaExceeded(let message): return "YouTube quota exceeded: \(message)"
        case .keyInvalid(let message): return "YouTube API key rejected: \(message)"
        case .rateLimited(let message): return "rate limited by YouTube: \(message)"
        case .requestFailed(let status, let reason, let message): return "YouTube answered \(status)\(reason.map { " (\($0))" } ?? ""): \(message)"
        case .invalidResponse(let message): return "unreadable YouTube response: \(message)"
        case .transport(let message): return "request to YouTube failed: \(message)"
        }
    }
}
