import Ingest
public import Logging
import Postgres
import Redis
public import Settings
import YouTubeAPI

extension YouTubeStatusChecker {
    /// `YOUTUBE_API_KEY`, optional `YOUTUBE_API_BASE_URL` (default Google; locally the stand-in)
    /// and `YOUTUBE_QUOTA_PER_DAY` (default 10000), `DATABASE_URL` (app role; `DATABASE_SESSION_URL`
    /// when set, for ingest's stream locks), `REDIS_URL` (quota, pacing, rooms), optional
    /// `DATABASE_POOL_SIZE` (default 3: one ingest lane, its router, one spare) and
    /// `YOUTUBE_RECHECK_SECONDS` (default 60: the schedule's interval, the re-check cadence at full quota).
    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> YouTubeStatusChecker {
        let configuration = try YouTubeConfiguration.fromEnvironment(environment)
        let redis = RedisClient(url: try RedisURL.fromEnvironment(environment), size: 1, logger: logger)
        let pool = try PostgresPool.fromEnvironment(environment, defaultSize: 3, minimumSize: 3, maximumSize: 16, session: true, logger: logger)
        let interval = try environment.int("YOUTUBE_RECHECK_SECONDS", default: 60, range: 10...3_600)
        let ingestor = EventIngestor(postgres: pool, publisher: RoomPublisher(redis: redis, logger: logger),
                                     options: .init(maxBatch: 256, lanes: 1), logger: logger)
        var checker = YouTubeStatusChecker(
            client: YouTubeClient(configuration: configuration, quota: QuotaBudget(redis: redis, unitsPerDay: configuration.unitsPerDay)),
            pool: pool, redis: redis, ingestor: ingestor, logger: logger, options: Options(recheckIntervalSeconds: Double(interval)))
        checker.closeResources = {
            await pool.shutdown()
            await redis.shutdown()
        }
        return checker
    }
}
