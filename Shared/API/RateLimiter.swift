import FunctionRuntime
public import BlockingIO
public import Logging
import NIOConcurrencyHelpers
public import Redis

/// Per-tenant (or per-API-key) request budget in Redis (fixed one-minute windows), shared by every
/// instance of every function. If Redis is unreachable the limiter lets requests through
/// (logged): an outage of the limiter must not become an outage of the API.
///
/// An instance reserves requests from the window's Redis counter in leases (INCRBY + EXPIRE, one
/// round trip) and admits from its lease without asking Redis again: a Redis round trip, with its
/// hop to a blocking thread, on every request was a tenth of a cached read's cost. A reservation
/// never goes past the budget (the part of a lease above it is not granted), so leases never
/// admit more than the budget across instances. A lease is `requestsPerMinute / 50` until the
/// instance has seen the window's counter past half the budget, 1 after that, so what an instance
/// holds unused (at most one lease, 2 % of the budget) can refuse only that many requests
/// elsewhere.
public struct RateLimiter: Sendable {
    public let requestsPerMinute: Int
    private let redis: RedisClient
    private let logger: Logger
    private let now: @Sendable () -> Double
    private let leases = Leases()

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
        guard let size = leases.take(bucket, window: window, budget: requestsPerMinute) else { return }
        let key = "ratelimit:\(bucket):\(window)"
        let replies: [RedisReply]
        do {
            replies = try await redis.pipeline([["INCRBY", key, String(size)], ["EXPIRE", key, "120"]])
        } catch {
            logger.warning("rate limiter unavailable; allowing request", metadata: ["error": "\(error)"])
            return
        }
        guard let total = replies.first?.integer else { return }
        // The reserved requests that fit in the budget: this one, and the rest of the lease.
        let granted = Int(max(0, min(Int64(size), Int64(requestsPerMinute) - (total - Int64(size)))))
        leases.add(bucket, window: window, unused: granted - 1, reserved: total)
        if granted == 0 {
            var error = FunctionError(status: 429, code: "rate_limited", message: message)
            error.headers = [("retry-after", String(60 - seconds % 60))]
            throw error
        }
    }

    /// This instance's unused reservations of the current window, by bucket.
    private final class Leases: Sendable {
        private struct Lease {
            var unused = 0
            /// The window's Redis counter after this instance's last reservation.
            var reserved: Int64 = 0
        }

        private struct State {
            var window = 0
            var buckets: [String: Lease] = [:]
        }

        private let state = NIOLockedValueBox(State())

        /// Admits from the lease (nil), or says how many requests to reserve from Redis.
        func take(_ bucket: String, window: Int, budget: Int) -> Int? {
            state.withLockedValue { state in
                if window > state.window {
                    // A new window: every reservation left belongs to the old one.
                    state.window = window
                    state.buckets = [:]
                } else if window < state.window {
                    return 1  // a request that read the clock just before the window turned
                }
                let lease = state.buckets[bucket] ?? Lease()
                if lease.unused > 0 {
                    state.buckets[bucket]?.unused -= 1
                    return nil
                }
                return lease.reserved < Int64(budget / 2) ? max(1, budget / 50) : 1
            }
        }

        func add(_ bucket: String, window: Int, unused: Int, reserved: Int64) {
            state.withLockedValue { state in
                guard window == state.window else { return }
                var lease = state.buckets[bucket] ?? Lease()
                lease.unused += max(0, unused)
                lease.reserved = max(lease.reserved, reserved)
                state.buckets[bucket] = lease
            }
        }
    }
}
