public import Settings
import EventSub
import Ingest
public import Logging
import Postgres
import Redis

/// Builds the webhook function from the environment:
/// `DATABASE_URL` (app role; `DATABASE_SESSION_URL` instead when set: see
/// `PostgresPool.fromEnvironment`), `REDIS_URL`, `TWITCH_EVENTSUB_SECRET` (10–100 ASCII characters),
/// optional `TWITCH_EVENTSUB_SECRET_PREVIOUS` (accepted during a rotation),
/// `INGEST_LANES` (default 2: writer lanes, each owning a share of the companies),
/// `DATABASE_POOL_SIZE` (default lanes + 2: one per lane, the router, one spare), `INGEST_MAX_BATCH` (default 512),
/// `INGEST_STREAM_LOCK_TIMEOUT_MS` (default 5000).
public enum WebhookConfiguration {
    public static func makeFunction(environment: Environment, logger: Logger) async throws -> TwitchWebhookFunction {
        var secrets = [try environment.secret("TWITCH_EVENTSUB_SECRET")]
        if environment.optional("TWITCH_EVENTSUB_SECRET_PREVIOUS") != nil {
            secrets.append(try environment.secret("TWITCH_EVENTSUB_SECRET_PREVIOUS"))
        }
        let redisURL = try RedisURL.fromEnvironment(environment)
        let lanes = try environment.int("INGEST_LANES", default: 2, range: 1...16)
        let maxBatch = try environment.int("INGEST_MAX_BATCH", default: 512, range: 1...10_000)
        let lockTimeout = try environment.int("INGEST_STREAM_LOCK_TIMEOUT_MS", default: 5_000, range: 100...600_000)

        // Ingest holds each company's stream lock from INSERT to PUBLISH, across the COMMIT: a
        // session feature (DATABASE_SESSION_URL behind a transaction-mode pooler).
        let postgres = try PostgresPool.fromEnvironment(environment, defaultSize: lanes + 2, minimumSize: lanes + 2, session: true, logger: logger)
        // The router's and each lane's connection, side by side while the port opens, so the
        // first delivery after a cold start does not open them one by one.
        postgres.startWarmUp(connections: lanes + 1)
        let redis = RedisClient(url: redisURL, size: 1, logger: logger)
        let ingestor = EventIngestor(
            postgres: postgres, publisher: RoomPublisher(redis: redis, logger: logger),
            options: .init(maxBatch: maxBatch, lanes: lanes, streamLockTimeoutMilliseconds: lockTimeout), logger: logger)
        return TwitchWebhookFunction(
            verifier: DeliveryVerifier(signatures: SignatureVerifier(secrets: secrets)),
            ingestor: ingestor, subscriptions: SubscriptionStatusStore(postgres: postgres),
            revocations: AuthorizationRevocations(postgres: postgres, redis: redis))
    }
}
