/// Everything a Helix or OAuth call can fail with. Statuses with a meaning for callers get their
/// own case (409 on create means "already exists", 404 on delete means "already gone", 429 means
/// "wait until `resetAt`"); the rest keep Twitch's status and message.
public enum HelixError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call was refused before anything was sent (e.g. more than 100 ids in one lookup).
    case invalidArgument(String)
    /// `POST /oauth2/token` refused the client credentials (Twitch answers 400 or 403).
    case authenticationFailed(status: Int, message: String)
    /// Helix answered 401 even with a freshly fetched app access token.
    case unauthorized(String)
    /// 429. `resetAt` is `Ratelimit-Reset` (Unix seconds) when Twitch sent it. Twitch also answers
    /// 429 for too many subscriptions with the same type and condition; `message` tells them apart.
    case rateLimited(resetAt: Int64?, message: String)
    /// 409: a subscription with this type, version and condition already exists.
    case conflict(String)
    /// 404: no such resource (e.g. deleting a subscription that is already gone).
    case notFound(String)
    /// Any other non-success status, with Twitch's message.
    case requestFailed(status: Int, message: String)
    /// Twitch answered with a body this client cannot read.
    case invalidResponse(String)
    /// The request did not complete (connection refused, timeout, TLS).
    case transport(String)
    /// A paged listing did not end within the allowed number of pages (or repeated a cursor).
    case paginationLimitExceeded(pages: Int)

    public var description: String {
        switch self {
        case .invalidArgument(let message): return "invalid argument: \(message)"
        case .authenticationFailed(let status, let message): return "Twitch refused the client credentials (\(status)): \(message)"
        case .unauthorized(let message): return "Twitch rejected the app access token (401): \(message)"
        case .rateLimited(let resetAt, let message):
            return "rate limited by Twitch (429): \(message)" + (resetAt.map { ", bucket refills at Unix time \($0)" } ?? "")
        case .conflict(let message): return "conflict (409): \(message)"
        case .notFound(let message): return "not found (404): \(message)"
        case .requestFailed(let status, let message): return "Twitch answered \(status): \(message)"
        case .invalidResponse(let message): return "unreadable Twitch response: \(message)"
        case .transport(let message): return "request to Twitch failed: \(message)"
        case .paginationLimitExceeded(let pages): return "listing did not finish within \(pages) pages"
        }
    }
}
