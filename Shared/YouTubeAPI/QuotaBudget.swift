public import Redis
import BlockingIO

/// The day's YouTube Data API budget, counted in Redis so every function and job shares one count.
/// A call reserves its cost *before* it is sent (Google charges failed and invalid requests too,
/// so nothing is refunded); a reservation that would pass the budget is refused locally and
/// counts nothing. The counter is per Pacific day (`PacificDay`), kept two days.
public struct QuotaBudget: Sendable {
    public static let defaultUnitsPerDay = 10_000

    public let redis: RedisClient
    public let unitsPerDay: Int
    public let keyPrefix: String
    private let now: @Sendable () -> Double

    /// `now` is Unix seconds (tests move it across midnight and DST); `keyPrefix` separates budgets
    /// sharing one Redis (tests).
    public init(redis: RedisClient, unitsPerDay: Int = QuotaBudget.defaultUnitsPerDay, keyPrefix: String = "youtube:quota:",
                now: (@Sendable () -> Double)? = nil) {
        self.redis = redis
        self.unitsPerDay = unitsPerDay
        self.keyPrefix = keyPrefix
        self.now = now ?? { wallClockSeconds() }
    }

    /// Counts `units` against today's budget, or throws `.budgetExhausted` (nothing counted) when
    /// they do not fit, or `.quotaUnavailable` when Redis cannot be asked (nothing may be sent then:
    /// an uncounted call is how budgets silently overrun).
    public func reserve(_ units: Int) async throws(YouTubeAPIError) {
        guard units > 0 else { throw .invalidArgument("quota units must be positive (got \(units))") }
        let day = PacificDay.key(at: now())
        let reply: RedisReply
        do {
            reply = try await redis.send(["EVAL", Self.reserveScript, "1", keyPrefix + day, String(units), String(unitsPerDay), String(Self.keySeconds)])
        } catch {
            throw .quotaUnavailable("\(error)")
        }
        guard let values = reply.array, values.count == 2, let allowed = values[0].integer, let used = values[1].integer else {
            throw .quotaUnavailable("unexpected reply \(reply)")
        }
        guard allowed == 1 else { throw .budgetExhausted(used: Int(used), limit: unitsPerDay, day: day) }
    }

    /// Marks today as spent (Google answered `quotaExceeded`: its count is what matters, e.g. when
    /// another app shares the project). Best effort: a Redis failure here changes nothing else.
    public func markSpent() async {
        let day = PacificDay.key(at: now())
        _ = try? await redis.send(["EVAL", Self.markSpentScript, "1", keyPrefix + day, String(unitsPerDay), String(Self.keySeconds)])
    }

    /// Today's count, for metrics, the dashboard and the jobs' degradation.
    public func usage() async throws(YouTubeAPIError) -> QuotaUsage {
        let time = now()
        let day = PacificDay.key(at: time)
        let reply: RedisReply
        do {
            reply = try await redis.send(["GET", keyPrefix + day])
        } catch {
            throw .quotaUnavailable("\(error)")
        }
        let used = reply.string.flatMap { Int($0) } ?? 0
        return QuotaUsage(day: day, used: used, limit: unitsPerDay, resetsAt: PacificDay.nextReset(after: time))
    }

    /// Units left today.
    public func remaining() async throws(YouTubeAPIError) -> Int {
        try await usage().remaining
    }

    /// Two days: the current day's key outlives its day; nothing older is needed.
    static let keySeconds = 2 * 86_400

    /// KEYS[1] day counter; ARGV units, budget, ttl. Returns {1, used} or {0, used} (refused, unchanged).
    static let reserveScript = """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        local units = tonumber(ARGV[1])
        if used + units > tonumber(ARGV[2]) then return {0, used} end
        used = redis.call('INCRBY', KEYS[1], units)
        redis.call('EXPIRE', KEYS[1], ARGV[3])
        return {1, used}
        """

    /// Raises the counter to the budget (never lowers it).
    static let markSpentScript = """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        if used < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
        return 1
        """
}

/// Today's quota: what is used and left, and where the jobs are on the degradation curve.
public struct QuotaUsage: Sendable, Equatable {
    /// The Pacific date the count belongs to (`YYYY-MM-DD`).
    public let day: String
    public let used: Int
    public let limit: Int
    /// Unix seconds of the next Pacific midnight.
    public let resetsAt: Int64

    public init(day: String, used: Int, limit: Int, resetsAt: Int64) {
        self.day = day
        self.used = used
        self.limit = limit
        self.resetsAt = resetsAt
    }

    public var remaining: Int { max(0, limit - used) }
    public var remainingShare: Double { limit > 0 ? Double(remaining) / Double(limit) : 0 }
    public var degradation: QuotaDegradation { QuotaDegradation(remainingShare: remainingShare) }
}
