import BlockingIO
public import FunctionRuntime
public import Logging
public import Redis
public import ServiceLifecycle

/// A job function: handles one job taken from its Redis-backed queue. Throwing schedules a retry
/// with backoff (or a dead letter after the last attempt); returning acknowledges the job.
public protocol JobFunction: Sendable {
    func handle(_ job: ClaimedJob, context: FunctionContext) async throws
    /// Called once when the worker stops (idle, shut down, or failed): closes what the function
    /// holds that must not simply be dropped (HTTP clients with open connections).
    func shutdown() async
}

extension JobFunction {
    public func shutdown() async {}
}

/// Runs a job function against its queue: claim a batch (abandoned jobs first), run each job,
/// acknowledge the done ones in one MULTI/EXEC, schedule retries or dead-letter the failed ones.
/// Returns after `idleExitSeconds` without work (scale to zero: the platform starts a worker
/// again when the queue is non-empty) or, between batches, on graceful shutdown (SIGTERM).
public struct JobWorker: Service {

    public struct Report: Sendable {
        public var succeeded = 0
        public var failed = 0
        public var deadLettered = 0
    }

    let queue: JobQueue
    let redisURL: RedisURL
    let consumer: String
    let batchSize: Int
    let idleExitSeconds: Int?
    let logger: Logger
    let function: any JobFunction

    public init(queue: JobQueue, redisURL: RedisURL, consumer: String, batchSize: Int = 64, idleExitSeconds: Int?,
                logger: Logger, function: any JobFunction) {
        self.queue = queue
        self.redisURL = redisURL
        self.consumer = consumer
        self.batchSize = batchSize
        self.idleExitSeconds = idleExitSeconds
        self.logger = logger
        self.function = function
    }

    /// The service: works until idle or shut down, then logs what it did.
    public func run() async throws {
        let report: Report
        do {
            report = try await work()
        } catch {
            await function.shutdown()
            throw error
        }
        await function.shutdown()
        logger.info("worker stopped", metadata: ["queue": "\(queue.name)", "succeeded": "\(report.succeeded)",
                                                  "failed": "\(report.failed)", "deadLettered": "\(report.deadLettered)"])
    }

    public func work() async throws -> Report {
        // Two connections on two threads: the next batch is claimed on one (XREADGROUP BLOCK holds
        // it while it waits) while the current batch is read, runs and is acknowledged on the
        // other, so Redis and the worker work at the same time instead of taking turns. The claim
        // starts with XAUTOCLAIM, which takes only jobs idle past the visibility timeout, so it
        // never takes back the batch still running here.
        let executor = BlockingExecutor(threads: 2)
        defer { Task { await executor.shutdown() } }
        let url = redisURL
        let queue = self.queue
        let claiming = try await executor.run { try RedisConnection(url: url, readTimeout: false) }
        let acknowledging = try await executor.run { try RedisConnection(url: url, readTimeout: false) }
        try await executor.run { try queue.ensureGroup(on: claiming) }
        var report = Report()
        var lastWork = monotonicNanoseconds()
        let consumer = self.consumer
        let batchSize = self.batchSize
        func claimNext() -> Task<JobQueue.FetchedJobs, any Error> {
            Task {
                try await executor.run {
                    try queue.promoteDueRetries(on: claiming)
                    return try queue.fetch(consumer: consumer, count: batchSize, blockMilliseconds: 500, on: claiming)
                }
            }
        }
        var next: Task<JobQueue.FetchedJobs, any Error>? = claimNext()
        while let claim = next {
            let fetched = try await claim.value
            next = nil
            // Shutting down: a batch already claimed still runs (its jobs would otherwise wait out
            // the visibility timeout), but nothing more is claimed.
            let stopping = Task.isShuttingDownGracefully || Task.isCancelled
            if fetched.isEmpty {
                if stopping { break }
                if let idleExitSeconds, monotonicNanoseconds() - lastWork > UInt64(idleExitSeconds) * 1_000_000_000 {
                    logger.info("queue idle; worker exits", metadata: ["queue": "\(queue.name)"])
                    break
                }
                next = claimNext()
                continue
            }
            if !stopping { next = claimNext() }
            lastWork = monotonicNanoseconds()
            let (readable, unreadable) = fetched.read()
            var jobs = readable
            // A batch claimed ahead waited for the one before it. If that took long enough for
            // the visibility timeout to come near, another worker may have taken some of it:
            // only what is still ours runs here.
            let heldMilliseconds = Int((lastWork - fetched.fetchedAt) / 1_000_000)
            if heldMilliseconds >= queue.options.visibilityTimeoutMilliseconds / 2 {
                let claimed = jobs
                jobs = try await executor.run {
                    try queue.keepClaimed(claimed, consumer: consumer, heldMilliseconds: heldMilliseconds, on: acknowledging)
                }
            }
            var done: [ClaimedJob] = []
            var failures: [(ClaimedJob, String)] = []
            for claimed in jobs {
                // A job whose runs keep killing workers never reaches the handler again.
                if claimed.effectiveAttempt > queue.options.maxAttempts {
                    failures.append((claimed, "worker died during each of \(claimed.effectiveAttempt - 1) runs"))
                    continue
                }
                let context = FunctionContext(requestID: claimed.job.id, logger: logger)
                do {
                    try await function.handle(claimed, context: context)
                    done.append(claimed)
                } catch {
                    context.logger.warning("job failed", metadata: ["queue": "\(queue.name)", "attempt": "\(claimed.effectiveAttempt)",
                                                                    "error": "\(error)"])
                    failures.append((claimed, "\(error)"))
                }
            }
            let finished = done
            let failed = failures
            let poison = unreadable
            let outcomes = try await executor.run {
                try queue.complete(finished, on: acknowledging)
                // Entries no handler can run: dead letters at once, not again after every timeout.
                try queue.deadLetterUnreadable(poison, on: acknowledging)
                return try failed.map { try queue.fail($0.0, error: $0.1, on: acknowledging) }
            }
            if !poison.isEmpty {
                logger.error("unreadable job entries dead-lettered", metadata: ["queue": "\(queue.name)", "entries": "\(poison.map(\.entryID))"])
            }
            report.succeeded += done.count
            report.failed += failures.count
            report.deadLettered += outcomes.filter { $0 == .deadLettered }.count + poison.count
        }
        return report
    }
}
