/// How the stand-in behaves. Defaults follow Google where it documents a value (or where the
/// research note records observed behaviour); tests shrink the time-dependent ones.
public struct YouTubeStandInConfiguration: Sendable {
    /// The API keys the Data API accepts (`key=`); any other key is `API key not valid`.
    public var apiKeys: [String]
    /// Units per key per Pacific-time day (Google's default project quota: 10,000).
    public var dailyQuota: Int
    /// Lease granted when `hub.lease_seconds` is absent, and the most granted: 432,000 s (5 days)
    /// is what subscribers of Google's hub observe (the reference hub: 30 days default, 90 max).
    public var defaultLeaseSeconds: Int
    public var maximumLeaseSeconds: Int
    /// Attempts per content delivery (the reference hub: 4) and the first retry delay, doubled
    /// after each failure (the reference hub: 30 s).
    public var deliveryAttempts: Int
    public var deliveryRetrySeconds: Double
    /// How long a callback may take to answer a verification or a delivery.
    public var callbackTimeoutSeconds: Int64
    /// The hub URL named in deliveries' `Link: <…>; rel=hub` and the feed's `link rel="hub"`.
    public var advertisedHubURL: String
    public var clock: StandInClock

    public static let defaultAPIKey = "local-youtube-api-key"

    public init(
        apiKeys: [String] = [YouTubeStandInConfiguration.defaultAPIKey], dailyQuota: Int = 10_000,
        defaultLeaseSeconds: Int = 432_000, maximumLeaseSeconds: Int = 432_000, deliveryAttempts: Int = 4,
        deliveryRetrySeconds: Double = 30, callbackTimeoutSeconds: Int64 = 10,
        advertisedHubURL: String = "https://pubsubhubbub.appspot.com", clock: StandInClock = StandInClock()
    ) {
        self.apiKeys = apiKeys
        self.dailyQuota = max(0, dailyQuota)
        self.maximumLeaseSeconds = max(1, maximumLeaseSeconds)
        self.defaultLeaseSeconds = min(max(1, defaultLeaseSeconds), self.maximumLeaseSeconds)
        self.deliveryAttempts = max(1, deliveryAttempts)
        self.deliveryRetrySeconds = max(0, deliveryRetrySeconds)
        self.callbackTimeoutSeconds = max(1, callbackTimeoutSeconds)
        self.advertisedHubURL = advertisedHubURL
        self.clock = clock
    }
}
