import Ingest
public import Logging
import Postgres
import Redis
import RumbleAPI
import SecretSealing
public import Settings

extension RumbleStatusPoller {
    /// `DATABASE_URL` (app role; `DATABASE_SESSION_URL` when set: the ingestor holds advisory locks),
    /// `REDIS_URL` (events are published to the rooms), `TOKEN_ENCRYPTION_KEYS` (opens the sealed
    /// API URLs, as for creators' tokens), `RUMBLE_API_BASE_URL` / `RUMBLE_REQUEST_TIMEOUT_SECONDS` /
    /// `RUMBLE_USER_AGENT`, `RUMBLE_POLL_SECONDS` (default 60: how often a channel is polled while
    /// healthy), optional `DATABASE_POOL_SIZE` (default 3: one ingest lane, its router, one spare).
    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> RumbleStatusPoller {
        let configuration = try RumbleConfiguration.fromEnvironment(environment)
        let keys = try SealingKeyRing.fromEnvironment(environment)
        let pollSeconds = try environment.int("RUMBLE_POLL_SECONDS", default: 60, range: 10...3_600)
        let redisURL = try RedisURL.fromEnvironment(environment)
        let pool = try PostgresPool.fromEnvironment(environment, defaultSize: 3, minimumSize: 3, maximumSize: 16, session: true, logger: logger)
        let redis = RedisClient(url: redisURL, size: 1, logger: logger)
        let ingestor = EventIngestor(postgres: pool, publisher: RoomPublisher(redis: redis, logger: logger),
                                     options: .init(maxBatch: 256, lanes: 1), logger: logger)
        var poller = RumbleStatusPoller(client: RumbleClient(configuration: configuration), keys: keys, pool: pool, ingestor: ingestor,
                                        logger: logger, options: Options(backoff: RumbleBackoff(pollSeconds: pollSeconds)))
        poller.closeResources = {
            await pool.shutdown()
            await redis.shutdown()
        }
        return poller
    }
}
