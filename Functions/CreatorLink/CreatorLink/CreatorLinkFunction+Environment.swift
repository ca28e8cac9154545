import CreatorLinks
public import Logging
import Postgres
import Redis
import SecretSealing
public import Settings
import TwitchAPI

extension CreatorLinkFunction {
    /// `DATABASE_URL` (app role), `REDIS_URL`, `TOKEN_ENCRYPTION_KEYS` (`id:base64,…`, the first
    /// seals), `TWITCH_REDIRECT_URL` (this function's `/creator-link/callback` as registered with
    /// the Twitch application, exactly), `TWITCH_CLIENT_ID`, `TWITCH_CLIENT_SECRET`, optional
    /// `TWITCH_AUTH_BASE_URL` (default Twitch; locally the stand-in), `DATABASE_POOL_SIZE` (default 2).
    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> CreatorLinkFunction {
        let redirect = try environment.required("TWITCH_REDIRECT_URL")
        guard redirect.hasPrefix("https://") || redirect.hasPrefix("http://"), redirect.hasSuffix("/creator-link/callback") else {
            throw ConfigurationError("TWITCH_REDIRECT_URL must be the absolute URL of /creator-link/callback, got \(redirect)")
        }
        let pool = try PostgresPool.fromEnvironment(environment, defaultSize: 2, maximumSize: 16, logger: logger)
        return CreatorLinkFunction(
            pool: pool, tokens: CreatorTokens(keys: try SealingKeyRing.fromEnvironment(environment)),
            authorization: TwitchUserAuthorization(configuration: try HelixConfiguration.fromEnvironment(environment)),
            redirectURI: redirect, redis: RedisClient(url: try RedisURL.fromEnvironment(environment), size: 1, logger: logger))
    }
}
