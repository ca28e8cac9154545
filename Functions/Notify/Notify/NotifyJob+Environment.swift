public import Logging
import OutboundHTTP
import Postgres
import Redis
import SecretSealing
public import Settings

extension NotifyJob {
    /// `DATABASE_URL` (app role), `REDIS_URL`, `TOKEN_ENCRYPTION_KEYS` (opens destination URLs and
    /// secrets), `OUTBOUND_ALLOW_PRIVATE` / `OUTBOUND_ALLOWED_PORTS` (`OutboundURLPolicy`; local
    /// stand-ins only), `NOTIFY_DISCORD_REQUESTS_PER_SECOND`, `NOTIFY_SWEEP_AFTER_SECONDS`,
    /// `DATABASE_POOL_SIZE` (default 2).
    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> NotifyJob {
        let pool = try PostgresPool.fromEnvironment(environment, defaultSize: 2, maximumSize: 16, logger: logger)
        let redis = RedisClient(url: try RedisURL.fromEnvironment(environment), size: 1, logger: logger)
        let settings = try NotifySettings.fromEnvironment(environment)
        let http = GuardedHTTPClient(policy: try OutboundURLPolicy.fromEnvironment(environment))
        let notifier = Notifier(pool: pool, redis: redis, http: http, keys: try SealingKeyRing.fromEnvironment(environment),
                                settings: settings, logger: logger)
        return NotifyJob(notifier: notifier, sweeper: DeliverySweeper(pool: pool, redis: redis, settings: settings, logger: logger))
    }
}
