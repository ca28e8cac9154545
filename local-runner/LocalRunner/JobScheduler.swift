import JSONValue
import BlockingIO
import JobQueue
public import Logging
public import Redis

/// Enqueues each scheduled job once per interval. The idempotency key is the job's time slot, so
/// several schedulers (or a restart inside a slot) still produce one run per slot — the same
/// guarantee the production CronJobs get from `enqueue-job`.
public struct JobScheduler: Sendable {
    let table: JobTable
    let redis: RedisClient
    let logger: Logger
    /// Local scale: shorter intervals for a demo (nil keeps the table's).
    let intervalOverride: [String: Int]

    public init(table: JobTable, redis: RedisClient, logger: Logger, intervalOverride: [String: Int] = [:]) {
        self.table = table
        self.redis = redis
        self.logger = logger
        self.intervalOverride = intervalOverride
    }

    public static func slotKey(queue: String, intervalSeconds: Int, now: Double) -> String {
        "\(queue):\(Int64(now) / Int64(intervalSeconds))"
    }

    /// Runs until cancelled, checking every second.
    public func run() async {
        while !Task.isCancelled {
            let now = wallClockSeconds()
            for job in table.jobs {
                let interval = intervalOverride[job.queue] ?? job.intervalSeconds
                let key = Self.slotKey(queue: job.queue, intervalSeconds: interval, now: now)
                do {
                    let queue = JobQueue(name: job.queue, options: QueueOptions(idempotencySeconds: max(interval * 2, 60)))
                    let id = try await redis.withConnection { try queue.enqueue(["scheduledSlot": .string(key)], idempotencyKey: key, on: $0) }
                    if let id { logger.info("scheduled job enqueued", metadata: ["queue": "\(job.queue)", "job": "\(id)"]) }
                } catch {
                    logger.warning("scheduler could not enqueue", metadata: ["queue": "\(job.queue)", "error": "\(error)"])
                }
            }
            try? await Task.sleep(nanoseconds: 1_000_000_000)
        }
    }
}
