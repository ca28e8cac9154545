import JobQueue
public import Logging
import NotificationStore
public import Postgres
public import Redis

/// Re-enqueues the outbox rows whose job was lost (`notification_deliveries_due`): Redis was
/// down when ingest enqueued, a delayed retry vanished, or a worker died mid-send and its claim
/// ran out. Run by the schedule (`infra/jobs.json`, every 60 s) as a `notify` job of its own.
/// A row whose job was only slow gets a second job, which claims nothing.
public struct DeliverySweeper: Sendable {
    public let pool: PostgresPool
    public let redis: RedisClient
    public let settings: NotifySettings
    public let logger: Logger

    public init(pool: PostgresPool, redis: RedisClient, settings: NotifySettings, logger: Logger) {
        self.pool = pool
        self.redis = redis
        self.settings = settings
        self.logger = logger
    }

    /// The number of deliveries enqueued again.
    public func sweep() async throws -> Int {
        let settings = self.settings
        let due = try await pool.withConnection { connection in
            try OutboxSweep.due(olderThanSeconds: settings.sweepAfterSeconds, limit: settings.sweepLimit, on: connection)
        }
        guard !due.isEmpty else { return 0 }
        let requests = due.map { NotifyRequest.Delivery(id: $0.id, companyID: $0.companyID) }
        try await redis.withConnection { connection in try NotifyRequest.enqueue(requests, on: connection) }
        logger.info("lost notification jobs enqueued again", metadata: ["deliveries": "\(requests.count)"])
        return requests.count
    }
}
