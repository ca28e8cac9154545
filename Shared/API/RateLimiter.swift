import FunctionRuntime
public import BlockingIO
public import Logging
public import Redis

/// Per-tenant (or per-API-key) request budget in Redis (fixed one-minute windows: INCR + EXPIRE in
/// one round trip), shared by every instance of every function. If Redis is unreachable the limiter lets requests
/// through (logged): an outage of the limiter must not become an outage of the API.
public struct RateLimiter: Sendable {
    public let requestsPerMinute: Int
    private let redis: RedisClient
    private let logger: Logger
    private let now: @Sendable () -> Double

    public init(redis: RedisClient, requestsPerMinute: Int, logger: Logger, now: @escaping @Sendable () -> Double = wallClockSeconds) {
        self.redis = redis
        self.requestsPerMinute = requestsPerMinute
        self.logger = logger
        self.now = now
    }

    public func check(companyID: String) async throws {
        try await check(bucket: "api:\(companyID)", message: "too many requests for this company; retry later")
    }

    /// The same budget for any bucket (a service API key's own: `apikey:<id>`).
    public func check(bucket: String, message: String) async throws {
        let seconds = Int(now())
        let window = seconds / 60
        let key = "ratelimit:\(bucket):\(window)"
        let replies: [RedisReply]
        do {
            replies = try await redis.pipeline([["INCR", key], ["EXPIRE", key, "120"]])
        } catch {
            logger.warning("rate limiter unavailable; allowing request", metadata: ["error": "\(error)"])
            return
        }
        guard let count = replies.first?.integer else { return }
        if count > Int64(requestsPerMinute) {
            var error = FunctionError(status: 429, code: "rate_limited", message: message)
            error.headers = [("retry-after", String(60 - seconds % 60))]
            throw error
        }
    }
}
