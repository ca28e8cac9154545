public import Settings

/// Where the Rumble Live Stream API is. The base URL is the only switch between Rumble and the
/// local stand-in (`local-runner/RumbleStandIn`).
public struct RumbleConfiguration: Sendable, Equatable {
    public static let rumbleBaseURL = "https://rumble.com"

    /// Without a trailing slash.
    public var baseURL: String
    public var requestTimeoutSeconds: Int64
    /// Community code reports Cloudflare challenging unusual agents; configurable for that reason.
    public var userAgent: String

    public init(baseURL: String = RumbleConfiguration.rumbleBaseURL, requestTimeoutSeconds: Int64 = 10,
                userAgent: String = "CreatorControlRoom/1.0 (+livestream status)") {
        var baseURL = baseURL
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        self.baseURL = baseURL
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.userAgent = userAgent
    }

    /// `RUMBLE_API_BASE_URL` (default https://rumble.com; locally the stand-in),
    /// `RUMBLE_REQUEST_TIMEOUT_SECONDS` (default 10), `RUMBLE_USER_AGENT`.
    public static func fromEnvironment(_ environment: Environment) throws -> RumbleConfiguration {
        let baseURL = environment.optional("RUMBLE_API_BASE_URL") ?? rumbleBaseURL
        guard baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://") else {
            throw ConfigurationError("RUMBLE_API_BASE_URL must be an http(s) URL (got \(baseURL))")
        }
        var configuration = RumbleConfiguration(
            baseURL: baseURL, requestTimeoutSeconds: Int64(try environment.int("RUMBLE_REQUEST_TIMEOUT_SECONDS", default: 10, range: 1...120)))
        if let agent = environment.optional("RUMBLE_USER_AGENT") { configuration.userAgent = agent }
        return configuration
    }
}
