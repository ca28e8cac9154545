public import Logging
import Postgres
import Redis
public import Settings
import WebSub

/// Builds the webhook from the environment: `DATABASE_URL` (app role), `REDIS_URL`,
/// `YOUTUBE_WEBSUB_SECRET` (the master the per-topic secrets derive from) and, during a rotation,
/// `YOUTUBE_WEBSUB_SECRET_PREVIOUS`; optional `DATABASE_POOL_SIZE` (default 2).
public enum YouTubeWebhookConfiguration {
    public static func makeFunction(environment: Environment, logger: Logger) async throws -> YouTubeWebhookFunction {
        let secrets = try WebSubSecrets.fromEnvironment(environment)
        let redis = RedisClient(url: try RedisURL.fromEnvironment(environment), size: 1, logger: logger)
        let postgres = try PostgresPool.fromEnvironment(environment, defaultSize: 2, maximumSize: 16, logger: logger)
        // A database that is down is not fatal at start: requests get 503 until it is back.
        postgres.startWarmUp()
        return YouTubeWebhookFunction(subscriptions: PushSubscriptions(postgres: postgres), secrets: secrets, redis: redis,
                                      ignored: IgnoredPushes(redis: redis))
    }
}
