public import Logging
import Postgres
public import Settings
import TwitchAPI

extension SubscriptionRenewer {
    /// Builds the renewer from the environment: `TWITCH_CLIENT_ID`, `TWITCH_CLIENT_SECRET`, optional
    /// `TWITCH_API_BASE_URL` / `TWITCH_AUTH_BASE_URL` (default: Twitch; locally the stand-in),
    /// `DATABASE_URL` (app role), `EVENTSUB_CALLBACK_URL` (the webhook function's public URL, exactly
    /// as subscriptions carry it), `TWITCH_EVENTSUB_SECRET` (10–100 printable ASCII characters, the
    /// webhook function's secret), optional `DATABASE_POOL_SIZE` (default 2) and
    /// `RENEWAL_MAX_RATE_LIMIT_WAIT_SECONDS` (default 65).
    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> SubscriptionRenewer {
        let configuration = try HelixConfiguration.fromEnvironment(environment)
        let callback = try environment.required("EVENTSUB_CALLBACK_URL")
        guard callback.hasPrefix("https://") || callback.hasPrefix("http://") else {
            throw ConfigurationError("EVENTSUB_CALLBACK_URL must be an http(s) URL (Twitch requires https on port 443)")
        }
        let secret = try environment.secret("TWITCH_EVENTSUB_SECRET")
        let pool = try PostgresPool.fromEnvironment(environment, defaultSize: 2, maximumSize: 16, logger: logger)
        let maximumWait = try environment.int("RENEWAL_MAX_RATE_LIMIT_WAIT_SECONDS", default: 65, range: 1...600)
        var renewer = SubscriptionRenewer(
            helix: HelixClient(configuration: configuration, logger: logger), pool: pool, callbackURL: callback, secret: secret,
            logger: logger, options: Options(maximumRateLimitWaitSeconds: Double(maximumWait)))
        renewer.closeResources = { await pool.shutdown() }
        return renewer
    }
}
