import NIOHTTP1
import URLEncoding
public import AsyncHTTPClient
import NIOCore

/// The user side of Twitch OAuth (authorization code grant): the consent URL a creator opens,
/// the code exchange, refresh, validation and revocation. Linking a creator once is what lets
/// the app token create EventSub subscriptions for scopes the creator granted.
///
/// Configured like `HelixClient` (same client id and secret; `authBaseURL` is Twitch's
/// `…/oauth2`, or the local stand-in). The client secret travels in the form body, as Twitch
/// documents; Twitch does not support PKCE, so `state` plus the secret protect the exchange.
/// Errors carry no token, code or secret.
public struct TwitchUserAuthorization: Sendable {
    public let configuration: HelixConfiguration
    private let httpClient: HTTPClient

    /// `httpClient` is not shut down by this type (the default, `.shared`, must never be).
    public init(configuration: HelixConfiguration, httpClient: HTTPClient = .shared) {
        self.configuration = configuration
        self.httpClient = httpClient
    }

    /// The URL to send the creator's browser to. `scopes` are joined with spaces, every value
    /// percent-encoded (an unencoded `redirect_uri` fails to match the registered one). `state`
    /// must be random per request and checked on the callback. `forceVerify` shows the consent
    /// screen even when the creator already granted these scopes, so they see which account
    /// they link.
    public func authorizationURL(scopes: [String], state: String, redirectURI: String, forceVerify: Bool = true) -> String {
        configuration.authBaseURL + "/authorize?" + PercentEncoding.form([
            ("client_id", configuration.clientID),
            ("redirect_uri", redirectURI),
            ("response_type", "code"),
            ("scope", scopes.joined(separator: " ")),
            ("state", state),
            ("force_verify", forceVerify ? "true" : "false"),
        ])
    }

    /// Trades the `code` of the callback for the creator's tokens. `redirectURI` must be the one
    /// the authorization URL carried.
    public func exchange(code: String, redirectURI: String) async throws(TwitchAuthorizationError) -> UserTokens {
        let exchange = try await post(.codeExchange, "/token", form: [
            ("client_id", configuration.clientID), ("client_secret", configuration.clientSecret), ("code", code),
            ("grant_type", "authorization_code"), ("redirect_uri", redirectURI),
        ], secrets: [code])
        return try UserTokens(json: exchange.body)
    }

    /// New tokens for `refreshToken`. The answer's refresh token may be a new one: persist it.
    /// `.invalidRefreshToken` means the creator must link again.
    public func refresh(refreshToken: String) async throws(TwitchAuthorizationError) -> UserTokens {
        let exchange = try await post(.refresh, "/token", form: [
            ("client_id", configuration.clientID), ("client_secret", configuration.clientSecret),
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken),
        ], secrets: [refreshToken])
        return try UserTokens(json: exchange.body)
    }

    /// Whose token `accessToken` is, its scopes and remaining lifetime. Twitch asks for this at
    /// start and hourly for every token kept; a 401 is `.invalidAccessToken` (refresh, then retry).
    public func validate(accessToken: String) async throws(TwitchAuthorizationError) -> ValidatedUserToken {
        var request = HTTPClientRequest(url: configuration.authBaseURL + "/validate")
        request.method = .GET
        request.headers.add(name: "Authorization", value: "OAuth " + accessToken)
        request.headers.add(name: "Accept", value: "application/json")
        let exchange = try await perform(request, .validate, secrets: [accessToken])
        return try ValidatedUserToken(json: exchange.body)
    }

    /// Revokes an access or refresh token. A token Twitch no longer knows (400 "Invalid token")
    /// counts as revoked, so unlinking twice is not an error.
    public func revoke(token: String) async throws(TwitchAuthorizationError) {
        _ = try await post(.revoke, "/revoke", form: [("client_id", configuration.clientID), ("token", token)], secrets: [token])
    }

    private func post(_ endpoint: TwitchAuthorizationEndpoint, _ path: String, form: [(String, String)],
                      secrets: [String]) async throws(TwitchAuthorizationError) -> HTTPExchange {
        var request = HTTPClientRequest(url: configuration.authBaseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: PercentEncoding.form(form)))
        return try await perform(request, endpoint, secrets: secrets)
    }

    /// Sends `request`; returns the exchange when `endpoint` reads it as success.
    private func perform(_ request: HTTPClientRequest, _ endpoint: TwitchAuthorizationEndpoint,
                         secrets: [String]) async throws(TwitchAuthorizationError) -> HTTPExchange {
        let secrets = secrets + [configuration.clientSecret]
        let exchange: HTTPExchange
        do {
            exchange = try await HTTPExchange.perform(request, client: httpClient, timeoutSeconds: configuration.requestTimeoutSeconds)
        } catch {
            throw .unavailable(TwitchAuthorizationEndpoint.redacting(secrets, in: error.description))
        }
        if let error = endpoint.error(status: exchange.status, body: exchange.body, redacting: secrets) { throw error }
        return exchange
    }
}
