import Ingest
public import Logging
import Postgres
import Redis
public import Settings
import TwitchAPI

extension StatusReconciler {
    /// Builds the reconciler from the environment: `TWITCH_CLIENT_ID`, `TWITCH_CLIENT_SECRET`,
    /// optional `TWITCH_API_BASE_URL` / `TWITCH_AUTH_BASE_URL` (default: Twitch; locally the
    /// stand-in), `DATABASE_URL` (app role), `REDIS_URL` (synthetic events are published to the
    /// rooms), optional `DATABASE_POOL_SIZE` (default 3: one ingest lane, its router and one spare) and
    /// `STATUS_GRACE_SECONDS` (default 120: how long after a live change a contradicting poll waits).
    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> StatusReconciler {
        let configuration = try HelixConfiguration.fromEnvironment(environment)
        let redisURL = try RedisURL.fromEnvironment(environment)
        let pool = try PostgresPool.fromEnvironment(environment, defaultSize: 3, minimumSize: 3, maximumSize: 16, session: true, logger: logger)
        let grace = try environment.int("STATUS_GRACE_SECONDS", default: 120, range: 0...3_600)
        let redis = RedisClient(url: redisURL, size: 1, logger: logger)
        let ingestor = EventIngestor(postgres: pool, publisher: RoomPublisher(redis: redis, logger: logger),
                                     options: .init(maxBatch: 256, lanes: 1), logger: logger)
        var reconciler = StatusReconciler(helix: HelixClient(configuration: configuration, logger: logger), pool: pool,
                                          ingestor: ingestor, logger: logger, options: Options(graceSeconds: Double(grace)))
        reconciler.closeResources = {
            await pool.shutdown()
            await redis.shutdown()
        }
        return reconciler
    }
}
