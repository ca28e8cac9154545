/// How the stand-in behaves. Defaults match Twitch where Twitch documents a value; tests shrink
/// the time- and size-dependent ones (token lifetime, bucket size, page size).
public struct StandInConfiguration: Sendable {
    /// The only client credentials `POST /oauth2/token` accepts.
    public var clientID: String
    public var clientSecret: String
    /// `expires_in` of issued app access tokens; the stand-in rejects a token after that.
    public var tokenLifetimeSeconds: Int
    /// Token bucket size, refilled continuously over a minute (Twitch: 800 points per minute).
    public var rateLimitPointsPerMinute: Int
    /// Entries per page of `GET /helix/eventsub/subscriptions` (Twitch does not document its page
    /// size and accepts no `first` there).
    public var subscriptionPageSize: Int
    /// `max_total_cost` (10 000 by default at Twitch).
    public var maximumTotalCost: Int
    /// Whether `GET /helix/users?login=x` creates an unknown (well-formed) login, so any login can
    /// be added as a creator locally (the consent page signs such a login in the same way).
    public var createsUnknownLogins: Bool
    /// How long a callback may take to answer a challenge or a delivery.
    public var callbackTimeoutSeconds: Int64
    /// Signs `_stand-in/trigger` notifications sent to an explicit callback that no subscription
    /// matches and no `secret` was given for (locally: the webhook function's `TWITCH_EVENTSUB_SECRET`).
    public var defaultDeliverySecret: String?
    /// The client's registered OAuth Redirect URLs. When not empty, `/oauth2/authorize` takes only
    /// these (exact match, as Twitch); when empty, any http(s) URI, so local set-ups need none.
    public var redirectURIs: [String]
    /// `expires_in` of user access tokens (Twitch's documented example: 14124 s, about 4 h); the
    /// stand-in refuses them after that. Refresh tokens do not expire (a confidential client).
    public var userTokenLifetimeSeconds: Int
    /// How long an authorization code can be exchanged. Twitch documents no lifetime; 10 minutes
    /// is the upper bound RFC 6749 recommends.
    public var authorizationCodeLifetimeSeconds: Int

    public static let defaultClientID = "local-client-id"
    public static let defaultClientSecret = "local-client-secret"

    public init(
        clientID: String = StandInConfiguration.defaultClientID, clientSecret: String = StandInConfiguration.defaultClientSecret,
        tokenLifetimeSeconds: Int = 5_011_271, rateLimitPointsPerMinute: Int = 800, subscriptionPageSize: Int = 100,
        maximumTotalCost: Int = 10_000, createsUnknownLogins: Bool = true, callbackTimeoutSeconds: Int64 = 10,
        defaultDeliverySecret: String? = nil, redirectURIs: [String] = [], userTokenLifetimeSeconds: Int = 14_124,
        authorizationCodeLifetimeSeconds: Int = 600
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenLifetimeSeconds = max(1, tokenLifetimeSeconds)
        self.rateLimitPointsPerMinute = max(1, rateLimitPointsPerMinute)
        self.subscriptionPageSize = max(1, subscriptionPageSize)
        self.maximumTotalCost = maximumTotalCost
        self.createsUnknownLogins = createsUnknownLogins
        self.callbackTimeoutSeconds = callbackTimeoutSeconds
        self.defaultDeliverySecret = defaultDeliverySecret
        self.redirectURIs = redirectURIs
        self.userTokenLifetimeSeconds = max(1, userTokenLifetimeSeconds)
        self.authorizationCodeLifetimeSeconds = max(1, authorizationCodeLifetimeSeconds)
    }
}
