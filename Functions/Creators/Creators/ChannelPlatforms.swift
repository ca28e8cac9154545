public import Logging
public import Redis
public import RumbleAPI
public import SecretSealing
public import Settings
public import YouTubeAPI

/// What the channel routes resolve YouTube and Rumble channels with (Twitch goes through the
/// routes' `TwitchUserLookup`). Each part is optional: a platform without it answers 503 with a
/// `…_not_configured` code instead of the whole function failing to start.
public struct ChannelPlatforms: Sendable {
    /// `channels.list` by handle or id (1 quota unit each, counted in the shared budget).
    public let youTube: YouTubeClient?
    /// One fetch validates a pasted Live Stream API URL.
    public let rumble: RumbleClient?
    /// Seals Rumble API URLs (the same keys as creators' tokens).
    public let keys: SealingKeyRing?

    public init(youTube: YouTubeClient? = nil, rumble: RumbleClient? = nil, keys: SealingKeyRing? = nil) {
        self.youTube = youTube
        self.rumble = rumble
        self.keys = keys
    }

    /// YouTube when `YOUTUBE_API_KEY` is set (`YouTubeConfiguration.fromEnvironment`: base URL and
    /// daily budget; the budget is counted in `redis`); Rumble from `RumbleConfiguration.fromEnvironment`;
    /// sealing when `TOKEN_ENCRYPTION_KEYS` is set.
    public static func fromEnvironment(_ environment: Environment, redis: RedisClient, logger: Logger) throws -> ChannelPlatforms {
        var youTube: YouTubeClient?
        if environment.optional("YOUTUBE_API_KEY") != nil {
            let configuration = try YouTubeConfiguration.fromEnvironment(environment)
            youTube = YouTubeClient(configuration: configuration, quota: QuotaBudget(redis: redis, unitsPerDay: configuration.unitsPerDay))
        } else {
            logger.notice("YOUTUBE_API_KEY is not set: adding YouTube channels answers 503")
        }
        let keys = environment.optional("TOKEN_ENCRYPTION_KEYS") == nil ? nil : try SealingKeyRing.fromEnvironment(environment)
        if keys == nil { logger.notice("TOKEN_ENCRYPTION_KEYS is not set: adding Rumble channels answers 503") }
        return ChannelPlatforms(youTube: youTube, rumble: RumbleClient(configuration: try RumbleConfiguration.fromEnvironment(environment)), keys: keys)
    }
}
