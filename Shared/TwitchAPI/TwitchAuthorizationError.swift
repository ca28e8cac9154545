/// Everything the user authorization calls (`TwitchUserAuthorization`) can fail with. The cases a
/// caller acts on get their own: an invalid code means "start the link again", an invalid refresh
/// token means "the creator must link again", an invalid access token means "refresh". No message
/// contains a token, a code or the client secret (Twitch's messages are scrubbed of them).
public enum TwitchAuthorizationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400 "Invalid authorization code": expired, already used, or issued to another client.
    case invalidCode
    /// 400 "Invalid refresh token": the creator disconnected the app, changed their password, or
    /// Twitch revoked the grant. Only a new link helps.
    case invalidRefreshToken
    /// 401 from validate: the access token expired or was revoked.
    case invalidAccessToken
    /// Any other 4xx, with Twitch's `{"status","message"}` message (e.g. 400 "invalid client",
    /// 403 "invalid client secret", a redirect URI that does not match, 429).
    case rejected(status: Int, message: String)
    /// The request did not complete (connection refused, timeout, TLS) or Twitch answered 5xx:
    /// worth retrying later.
    case unavailable(String)
    /// A success status with a body this client cannot read (a field missing).
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .invalidCode: return "Twitch refused the authorization code (expired, already used or for another client)"
        case .invalidRefreshToken: return "Twitch refused the refresh token (the authorization was revoked; the creator must link again)"
        case .invalidAccessToken: return "Twitch rejected the user access token (401)"
        case .rejected(let status, let message): return "Twitch refused the request (\(status)): \(message)"
        case .unavailable(let message): return "Twitch's authorization server is unavailable: \(message)"
        case .invalidResponse(let message): return "unreadable answer from Twitch's authorization server: \(message)"
        }
    }
}
