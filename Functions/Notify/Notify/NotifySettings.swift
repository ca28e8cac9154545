public import Settings

/// How `notify` paces, retries and sweeps.
public struct NotifySettings: Sendable, Hashable {
    /// Waits before each retry of a transient failure (5xx, timeout, connection), in seconds;
    /// the row is `failed` after `retryDelaysSeconds.count + 1` attempts. A go-live alert that
    /// arrives hours late is worthless, so the schedule is minutes long, not the days Standard
    /// Webhooks suggests for business events. Each wait gets ±20 % jitter.
    public var retryDelaysSeconds: [Double]
    /// Attempts (rate-limited ones included) after which a destination that keeps answering 429
    /// is given up on for this message.
    public var maximumAttempts: Int
    /// A rate-limit wait up to this long is slept in the job; a longer one puts the job back on
    /// the queue for later (the worker meanwhile serves other destinations).
    public var shortWaitMilliseconds: Int
    /// Discord's global limit (50 requests/s per bot, or per IP for webhooks, which carry no
    /// token) announces itself only with a 429, so every worker paces Discord requests together
    /// below it (a shared spacing in Redis).
    public var discordRequestsPerSecond: Int
    /// Slack documents about one message per second per incoming webhook.
    public var slackRequestsPerSecond: Int
    /// A `sending` claim outlives the longest request by this much before another worker may
    /// take the row over.
    public var claimMarginSeconds: Double
    /// The sweeper re-enqueues rows due at least this long ago (younger ones probably still have
    /// their job in the queue), at most `sweepLimit` per run.
    public var sweepAfterSeconds: Int
    public var sweepLimit: Int

    public init(retryDelaysSeconds: [Double] = [2, 10, 30, 120, 300, 600], maximumAttempts: Int = 20, shortWaitMilliseconds: Int = 250,
                discordRequestsPerSecond: Int = 45, slackRequestsPerSecond: Int = 1, claimMarginSeconds: Double = 15,
                sweepAfterSeconds: Int = 120, sweepLimit: Int = 5_000) {
        self.retryDelaysSeconds = retryDelaysSeconds
        self.maximumAttempts = maximumAttempts
        self.shortWaitMilliseconds = shortWaitMilliseconds
        self.discordRequestsPerSecond = discordRequestsPerSecond
        self.slackRequestsPerSecond = slackRequestsPerSecond
        self.claimMarginSeconds = claimMarginSeconds
        self.sweepAfterSeconds = sweepAfterSeconds
        self.sweepLimit = sweepLimit
    }

    /// `NOTIFY_DISCORD_REQUESTS_PER_SECOND` (default 45: below Discord's 50 with room for
    /// clock and network jitter) and `NOTIFY_SWEEP_AFTER_SECONDS` (default 120).
    public static func fromEnvironment(_ environment: Environment) throws -> NotifySettings {
        var settings = NotifySettings()
        settings.discordRequestsPerSecond = try environment.int("NOTIFY_DISCORD_REQUESTS_PER_SECOND", default: 45, range: 1...1_000)
        settings.sweepAfterSeconds = try environment.int("NOTIFY_SWEEP_AFTER_SECONDS", default: 120, range: 1...86_400)
        return settings
    }

    /// The wait before the retry after failed attempt `attempt` (1-based), or nil when that was
    /// the last one. A server's `Retry-After` lengthens it, never shortens it.
    public func retryDelay(afterAttempt attempt: Int, serverSeconds: Double?) -> Double? {
        guard attempt >= 1, attempt <= retryDelaysSeconds.count else { return nil }
        let base = retryDelaysSeconds[attempt - 1] * Double.random(in: 0.8...1.2)
        return max(base, serverSeconds ?? 0)
    }
}
