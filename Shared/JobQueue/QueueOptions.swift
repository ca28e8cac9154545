/// How a queue hands out and retries jobs.
public struct QueueOptions: Sendable {
    /// A job taken by a worker is invisible to others this long; a worker that died holding it
    /// (kill -9, OOM, node loss) loses it to the next worker after this time.
    public var visibilityTimeoutMilliseconds: Int
    /// Runs (including crashed ones) before a job goes to the dead-letter queue.
    public var maxAttempts: Int
    /// Retry delay: base × 2^(attempt−1), capped, with full jitter.
    public var backoffBaseMilliseconds: Int
    public var backoffMaxMilliseconds: Int
    /// How long an idempotency key blocks a second enqueue of the same logical job.
    public var idempotencySeconds: Int

    public init(visibilityTimeoutMilliseconds: Int = 60_000, maxAttempts: Int = 5, backoffBaseMilliseconds: Int = 1_000,
                backoffMaxMilliseconds: Int = 300_000, idempotencySeconds: Int = 3_600) {
        self.visibilityTimeoutMilliseconds = visibilityTimeoutMilliseconds
        self.maxAttempts = maxAttempts
        self.backoffBaseMilliseconds = backoffBaseMilliseconds
        self.backoffMaxMilliseconds = backoffMaxMilliseconds
        self.idempotencySeconds = idempotencySeconds
    }

    func retryDelayMilliseconds(afterAttempt attempt: Int) -> Int {
        let exponent = min(max(0, attempt - 1), 20)
        let ceiling = min(backoffMaxMilliseconds, backoffBaseMilliseconds << exponent)
        return Int.random(in: (ceiling / 2)...max(ceiling / 2, ceiling))
    }
}
