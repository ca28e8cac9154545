import Settings
import URLEncoding

/// The calls of `TwitchUserAuthorization`. The same status means different things on each (400
/// is "invalid code" on the exchange, "already revoked" on revoke), so reading an answer needs
/// to know which call it answers.
public enum TwitchAuthorizationEndpoint: String, Sendable {
    case codeExchange, refresh, validate, revoke

    /// What a `status` answer with `body` means here: nil when it counts as success (any 2xx,
    /// and revoke's 400 "Invalid token", which means already revoked), otherwise the error.
    /// `secrets` (the tokens, code and client secret the request carried) are scrubbed from
    /// Twitch's message, in case an answer ever echoes one.
    public func error(status: Int, body: [UInt8], redacting secrets: [String] = []) -> TwitchAuthorizationError? {
        if (200..<300).contains(status) { return nil }
        let message = Self.redacting(secrets, in: HTTPExchange(status: status, headers: [:], body: body).errorMessage)
        let known = message.trimmingWhitespace().lowercased()
        switch (self, status) {
        case (.revoke, 400) where known == "invalid token": return nil
        case (.codeExchange, 400) where known == "invalid authorization code": return .invalidCode
        case (.refresh, 400) where known == "invalid refresh token": return .invalidRefreshToken
        case (.validate, 401): return .invalidAccessToken
        case (_, 500...): return .unavailable("Twitch answered \(status): \(message)")
        default: return .rejected(status: status, message: message)
        }
    }

    /// `text` without any of `secrets`, as sent or percent-encoded (as in a form body).
    static func redacting(_ secrets: [String], in text: String) -> String {
        var text = text
        for secret in secrets where !secret.isEmpty {
            text = text.replacing(secret, with: "<redacted>").replacing(PercentEncoding.encode(secret), with: "<redacted>")
        }
        return text
    }
}
