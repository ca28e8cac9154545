import CreatorLinks
public import Logging
import Postgres
import Redis
import SecretSealing
public import Settings
import TwitchAPI

extension TokenRefresher {
    /// `DATABASE_URL` (app role), `REDIS_URL`, `TOKEN_ENCRYPTION_KEYS`, `TWITCH_CLIENT_ID`,
    /// `TWITCH_CLIENT_SECRET`, optional `TWITCH_AUTH_BASE_URL`, `TOKEN_REFRESH_AHEAD_SECONDS`
    /// (default 1800: refresh when an access token has less left), `DATABASE_POOL_SIZE` (default 2).
    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> TokenRefresher {
        let pool = try PostgresPool.fromEnvironment(environment, defaultSize: 2, maximumSize: 16, logger: logger)
        return TokenRefresher(
            pool: pool, tokens: CreatorTokens(keys: try SealingKeyRing.fromEnvironment(environment)),
            authorization: TwitchUserAuthorization(configuration: try HelixConfiguration.fromEnvironment(environment)),
            redis: RedisClient(url: try RedisURL.fromEnvironment(environment), size: 1, logger: logger), logger: logger,
            refreshAheadSeconds: try environment.int("TOKEN_REFRESH_AHEAD_SECONDS", default: 1_800, range: 60...86_400))
    }
}
