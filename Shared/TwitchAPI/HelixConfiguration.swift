/// Where and as whom the product talks to Twitch. The base URLs are the only switch between the
/// real Twitch and the local stand-in (`local-runner/TwitchStandIn`), so every code path is the same.
public struct HelixConfiguration: Sendable, Equatable {
    public var clientID: String
    public var clientSecret: String
    /// Helix, without a trailing slash: `https://api.twitch.tv/helix`.
    public var apiBaseURL: String
    /// The OAuth2 endpoints, without a trailing slash: `https://id.twitch.tv/oauth2`.
    public var authBaseURL: String
    /// Upper bound for one HTTP exchange (Twitch answers well within this; a hung socket must not
    /// stall a reconciliation job forever).
    public var requestTimeoutSeconds: Int64

    public static let twitchAPIBaseURL = "https://api.twitch.tv/helix"
    public static let twitchAuthBaseURL = "https://id.twitch.tv/oauth2"

    public init(
        clientID: String, clientSecret: String,
        apiBaseURL: String = HelixConfiguration.twitchAPIBaseURL,
        authBaseURL: String = HelixConfiguration.twitchAuthBaseURL,
        requestTimeoutSeconds: Int64 = 10
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.apiBaseURL = Self.trimmingTrailingSlashes(apiBaseURL)
        self.authBaseURL = Self.trimmingTrailingSlashes(authBaseURL)
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }

    private static func trimmingTrailingSlashes(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
