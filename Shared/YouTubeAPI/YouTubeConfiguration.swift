public import Settings

/// Where and with which key the product calls the YouTube Data API v3. The base URL is the only
/// switch between Google and the local stand-in (`local-runner/YouTubeStandIn`).
public struct YouTubeConfiguration: Sendable, Equatable {
    public static let googleBaseURL = "https://www.googleapis.com"

    /// An API key (read-only public data needs no OAuth). It travels in the query (`key=`), so URLs
    /// are never logged or put in errors.
    public var apiKey: String
    /// Without a trailing slash; requests go to `{baseURL}/youtube/v3/…`.
    public var baseURL: String
    public var unitsPerDay: Int
    public var requestTimeoutSeconds: Int64

    public init(apiKey: String, baseURL: String = YouTubeConfiguration.googleBaseURL, unitsPerDay: Int = QuotaBudget.defaultUnitsPerDay,
                requestTimeoutSeconds: Int64 = 10) {
        self.apiKey = apiKey
        var baseURL = baseURL
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        self.baseURL = baseURL
        self.unitsPerDay = unitsPerDay
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }

    /// `YOUTUBE_API_KEY` (required), `YOUTUBE_API_BASE_URL` (default Google; locally the stand-in),
    /// `YOUTUBE_QUOTA_PER_DAY` (default 10000, the Data API's default allocation).
    public static func fromEnvironment(_ environment: Environment) throws -> YouTubeConfiguration {
        let key = try environment.required("YOUTUBE_API_KEY")
        guard key.utf8.count <= 200, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ConfigurationError("YOUTUBE_API_KEY must be printable ASCII without spaces")
        }
        let baseURL = environment.optional("YOUTUBE_API_BASE_URL") ?? googleBaseURL
        guard baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://") else {
            throw ConfigurationError("YOUTUBE_API_BASE_URL must be an http(s) URL (got \(baseURL))")
        }
        return YouTubeConfiguration(
            apiKey: key, baseURL: baseURL,
            unitsPerDay: try environment.int("YOUTUBE_QUOTA_PER_DAY", default: QuotaBudget.defaultUnitsPerDay, range: 1...100_000_000))
    }
}
