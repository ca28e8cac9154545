import Redis
import NIOConcurrencyHelpers
import TestSupport
import Testing
import YouTubeAPI

/// The YouTube quota day (midnight Pacific, DST included), the budget counted in Redis and the
/// degradation curve.
@Suite struct QuotaTests {
    /// Unix seconds of a UTC time.
    static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0, _ second: Int = 0) -> Double {
        // days_from_civil, independently of the code under test.
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second)
    }

    @Test func dayKeyFollowsPacificMidnightAcrossTheDSTSwitches() {
        // Winter (PST, UTC−8): the day changes at 08:00 UTC.
        #expect(PacificDay.key(at: Self.utc(2026, 1, 15, 7, 59, 59)) == "2026-01-14")
        #expect(PacificDay.key(at: Self.utc(2026, 1, 15, 8)) == "2026-01-15")
        // 2026-03-08 is the second Sunday of March: daylight time from 10:00 UTC. That day begins
        // at 08:00 UTC (still PST); the next begins at 07:00 UTC (PDT).
        #expect(PacificDay.key(at: Self.utc(2026, 3, 8, 7, 59, 59)) == "2026-03-07")
        #expect(PacificDay.key(at: Self.utc(2026, 3, 8, 8)) == "2026-03-08")
        #expect(PacificDay.utcOffsetSeconds(at: Int64(Self.utc(2026, 3, 8, 9, 59, 59))) == -8 * 3600)
        #expect(PacificDay.utcOffsetSeconds(at: Int64(Self.utc(2026, 3, 8, 10))) == -7 * 3600)
        #expect(PacificDay.key(at: Self.utc(2026, 3, 9, 6, 59, 59)) == "2026-03-08")
        #expect(PacificDay.key(at: Self.utc(2026, 3, 9, 7)) == "2026-03-09")
        // Summer (PDT, UTC−7).
        #expect(PacificDay.key(at: Self.utc(2026, 7, 4, 6, 59, 59)) == "2026-07-03")
        #expect(PacificDay.key(at: Self.utc(2026, 7, 4, 7)) == "2026-07-04")
        // 2026-11-01 is the first Sunday of November: standard time from 09:00 UTC. That day
        // begins at 07:00 UTC (PDT), the next at 08:00 UTC (PST): a 25-hour quota day.
        #expect(PacificDay.key(at: Self.utc(2026, 11, 1, 6, 59, 59)) == "2026-10-31")
        #expect(PacificDay.key(at: Self.utc(2026, 11, 1, 7)) == "2026-11-01")
        #expect(PacificDay.utcOffsetSeconds(at: Int64(Self.utc(2026, 11, 1, 8, 59, 59))) == -7 * 3600)
        #expect(PacificDay.utcOffsetSeconds(at: Int64(Self.utc(2026, 11, 1, 9))) == -8 * 3600)
        #expect(PacificDay.key(at: Self.utc(2026, 11, 2, 7, 59, 59)) == "2026-11-01")
        #expect(PacificDay.key(at: Self.utc(2026, 11, 2, 8)) == "2026-11-02")
        // Other years' rules: 2024-03-10 and 2024-11-03; a leap day; New Year.
        #expect(PacificDay.utcOffsetSeconds(at: Int64(Self.utc(2024, 3, 10, 10))) == -7 * 3600)
        #expect(PacificDay.utcOffsetSeconds(at: Int64(Self.utc(2024, 3, 10, 9, 59))) == -8 * 3600)
        #expect(PacificDay.utcOffsetSeconds(at: Int64(Self.utc(2024, 11, 3, 9))) == -8 * 3600)
        #expect(PacificDay.key(at: Self.utc(2024, 3, 1, 7, 59)) == "2024-02-29")
        #expect(PacificDay.key(at: Self.utc(2027, 1, 1, 7, 59)) == "2026-12-31")
    }

    @Test func nextResetIsTheNextPacificMidnight() {
        #expect(PacificDay.nextReset(after: Self.utc(2026, 1, 15, 12)) == Int64(Self.utc(2026, 1, 16, 8)))
        #expect(PacificDay.nextReset(after: Self.utc(2026, 1, 16, 7, 59, 59)) == Int64(Self.utc(2026, 1, 16, 8)))
        #expect(PacificDay.nextReset(after: Self.utc(2026, 1, 16, 8)) == Int64(Self.utc(2026, 1, 17, 8)))
        // Across the switches: the reset after the spring-forward day is at 07:00 UTC, the one
        // after the fall-back day at 08:00 UTC.
        #expect(PacificDay.nextReset(after: Self.utc(2026, 3, 8, 12)) == Int64(Self.utc(2026, 3, 9, 7)))
        #expect(PacificDay.nextReset(after: Self.utc(2026, 3, 8, 7)) == Int64(Self.utc(2026, 3, 8, 8)))
        #expect(PacificDay.nextReset(after: Self.utc(2026, 11, 1, 12)) == Int64(Self.utc(2026, 11, 2, 8)))
        #expect(PacificDay.nextReset(after: Self.utc(2026, 10, 31, 12)) == Int64(Self.utc(2026, 11, 1, 7)))
    }

    @Test func degradationCurve() {
        let cases: [(Double, QuotaDegradation, Int?)] = [
            (1.0, .normal, 1), (0.51, .normal, 1), (0.50, .relaxed, 2), (0.20, .relaxed, 2), (0.1999, .sparse, 4),
            (0.05, .sparse, 4), (0.0499, .goLiveOnly, nil), (0.0001, .goLiveOnly, nil), (0, .exhausted, nil), (-1, .exhausted, nil),
            (.nan, .exhausted, nil), (2, .normal, 1),
        ]
        for (share, level, multiplier) in cases {
            #expect(QuotaDegradation(remainingShare: share) == level, "\(share)")
            #expect(QuotaDegradation(remainingShare: share).pollingIntervalMultiplier == multiplier, "\(share)")
        }
        #expect(QuotaDegradation.goLiveOnly.allowsGoLiveChecks)
        #expect(!QuotaDegradation.exhausted.allowsGoLiveChecks)
        let usage = QuotaUsage(day: "2026-01-15", used: 8_500, limit: 10_000, resetsAt: 0)
        #expect(usage.remaining == 1_500)
        #expect(usage.degradation == .sparse)
        #expect(QuotaUsage(day: "d", used: 12_000, limit: 10_000, resetsAt: 0).remaining == 0)
    }

    /// A budget on a unique key prefix with a clock the test moves.
    private func budget(_ redis: RedisClient, units: Int, clock: NIOLockedValueBox<Double>) -> QuotaBudget {
        let prefix = "test:youtube-quota:\(TestServices.uniqueTwitchUserID()):"
        return QuotaBudget(redis: redis, unitsPerDay: units, keyPrefix: prefix, now: { clock.withLockedValue { $0 } })
    }

    @Test func callsAreCountedInRedisAndRefusedAtTheBudget() async throws {
        let redis = RedisClient(url: try TestServices.redisURL())
        defer { Task { await redis.shutdown() } }
        let clock = NIOLockedValueBox(Self.utc(2026, 3, 8, 20))
        let quota = budget(redis, units: 10, clock: clock)
        #expect(try await quota.usage() == QuotaUsage(day: "2026-03-08", used: 0, limit: 10, resetsAt: Int64(Self.utc(2026, 3, 9, 7))))
        for _ in 0..<3 { try await quota.reserve(3) }
        #expect(try await quota.remaining() == 1)
        // 3 more would pass 10: refused, and nothing counted.
        await #expect(throws: YouTubeAPIError.budgetExhausted(used: 9, limit: 10, day: "2026-03-08")) { try await quota.reserve(3) }
        #expect(try await quota.usage().used == 9)
        try await quota.reserve(1)
        #expect(try await quota.remaining() == 0)
        #expect(try await quota.usage().degradation == .exhausted)
        await #expect(throws: YouTubeAPIError.budgetExhausted(used: 10, limit: 10, day: "2026-03-08")) { try await quota.reserve(1) }
        // The counter is the Redis key of the Pacific day, with an expiry.
        let ttl = try await redis.send(["TTL", quota.keyPrefix + "2026-03-08"]).integer ?? -1
        #expect(ttl > 86_400 && ttl <= 2 * 86_400)

        // At Pacific midnight (07:00 UTC after the switch) a new day starts with a full budget.
        clock.withLockedValue { $0 = Self.utc(2026, 3, 9, 6, 59, 59) }
        await #expect(throws: YouTubeAPIError.budgetExhausted(used: 10, limit: 10, day: "2026-03-08")) { try await quota.reserve(1) }
        clock.withLockedValue { $0 = Self.utc(2026, 3, 9, 7) }
        try await quota.reserve(1)
        #expect(try await quota.usage() == QuotaUsage(day: "2026-03-09", used: 1, limit: 10, resetsAt: Int64(Self.utc(2026, 3, 10, 7))))
    }

    @Test func concurrentReservationsNeverPassTheBudget() async throws {
        let redis = RedisClient(url: try TestServices.redisURL(), size: 4)
        defer { Task { await redis.shutdown() } }
        let quota = budget(redis, units: 50, clock: NIOLockedValueBox(Self.utc(2026, 6, 1, 12)))
        let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<80 {
                group.addTask {
                    do { try await quota.reserve(1); return true } catch YouTubeAPIError.budgetExhausted { return false }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(granted == 50)
        #expect(try await quota.usage().used == 50)
    }

    @Test func markSpentUsesUpTheDay() async throws {
        let redis = RedisClient(url: try TestServices.redisURL())
        defer { Task { await redis.shutdown() } }
        let quota = budget(redis, units: 100, clock: NIOLockedValueBox(Self.utc(2026, 11, 1, 20)))
        try await quota.reserve(7)
        await quota.markSpent()
        #expect(try await quota.usage() == QuotaUsage(day: "2026-11-01", used: 100, limit: 100, resetsAt: Int64(Self.utc(2026, 11, 2, 8))))
        await #expect(throws: YouTubeAPIError.budgetExhausted(used: 100, limit: 100, day: "2026-11-01")) { try await quota.reserve(1) }
    }

    @Test func anUnreachableRedisRefusesInsteadOfSendingUncounted() async throws {
        let redis = RedisClient(url: RedisURL(host: "127.0.0.1", port: 1), timeoutMilliseconds: 200)
        defer { Task { await redis.shutdown() } }
        let quota = QuotaBudget(redis: redis, unitsPerDay: 10)
        await #expect {
            try await quota.reserve(1)
        } throws: { error in
            if case YouTubeAPIError.quotaUnavailable = error { return true }
            return false
        }
    }
}
