import API
import BlockingIO
import FunctionRuntime
import Logging
import Redis
import Synchronization
import TestSupport
import Testing

/// The per-company budget is shared by every instance through Redis, reserved in leases: never
/// more admitted than the budget however the requests fall on instances, far fewer Redis round
/// trips than requests while a company is well under its budget, and a new window starts afresh.
@Suite(.serialized) struct RateLimiterTests {
    /// Redis' own count of INCRBY calls (INFO commandstats), so the test sees the round trips.
    static func incrbyCalls(_ redis: RedisClient) async throws -> Int {
        let info = try await redis.send(["INFO", "commandstats"]).string ?? ""
        guard let line = info.split(whereSeparator: \.isNewline).first(where: { (line: Substring) in line.hasPrefix("cmdstat_incrby:") }),
              let calls = line.split(separator: "=").dropFirst().first?.split(separator: ",").first else { return 0 }
        return Int(calls) ?? 0
    }

    static func admitted(_ limiter: RateLimiter, _ bucket: String) async -> Bool {
        do {
            try await limiter.check(bucket: bucket, message: "slow down")
            return true
        } catch let error as FunctionError {
            #expect(error.status == 429 && error.code == "rate_limited")
            return false
        } catch {
            Issue.record("unexpected \(error)")
            return false
        }
    }

    @Test func twoInstancesNeverAdmitMoreThanTheBudgetTogether() async throws {
        let redis = RedisClient(url: try TestServices.redisURL())
        let clock = Mutex<Double>((wallClockSeconds() / 60).rounded(.down) * 60 + 5)
        let now: @Sendable () -> Double = { clock.withLock { $0 } }
        let instances = (0..<2).map { _ in RateLimiter(redis: redis, requestsPerMinute: 100, logger: Logger(label: "test"), now: now) }
        let bucket = "test:\(UInt64.random(in: 0...UInt64.max))"
        var admitted = 0
        for attempt in 0..<160 where await Self.admitted(instances[attempt % 2], bucket) { admitted += 1 }
        #expect(admitted == 100, "admitted \(admitted) of a budget of 100 over two instances")
        // Nothing left in either lease: the 161st and 162nd are refused too.
        let refusedA = await Self.admitted(instances[0], bucket)
        let refusedB = await Self.admitted(instances[1], bucket)
        #expect(!refusedA && !refusedB)

        // The next window is a fresh budget; reservations of the old one are not carried over.
        clock.withLock { $0 += 60 }
        let freshA = await Self.admitted(instances[0], bucket)
        let freshB = await Self.admitted(instances[1], bucket)
        #expect(freshA && freshB)
        await redis.shutdown()
    }

    @Test func wellUnderTheBudgetMostRequestsNeedNoRoundTrip() async throws {
        let redis = RedisClient(url: try TestServices.redisURL())
        let limiter = RateLimiter(redis: redis, requestsPerMinute: 1_200, logger: Logger(label: "test"),
                                  now: { 1_800_000_000 + 30 })
        let bucket = "test:\(UInt64.random(in: 0...UInt64.max))"
        let before = try await Self.incrbyCalls(redis)
        for _ in 0..<240 { #expect(await Self.admitted(limiter, bucket)) }
        let calls = try await Self.incrbyCalls(redis) - before
        // Leases of 1,200 / 50 = 24: ten round trips for 240 requests (one per request before).
        #expect(calls == 10, "\(calls) round trips for 240 requests")
        let reserved = try await redis.send(["GET", "ratelimit:\(bucket):\((1_800_000_000 + 30) / 60)"]).string
        #expect(reserved == "240")
        await redis.shutdown()
    }

    /// Once an instance has seen the counter past half the budget, its reservations are single:
    /// what it holds unused (at most one lease) cannot refuse requests on another near the limit.
    @Test func pastHalfTheBudgetReservationsAreSingle() async throws {
        let redis = RedisClient(url: try TestServices.redisURL())
        let a = RateLimiter(redis: redis, requestsPerMinute: 100, logger: Logger(label: "test"), now: { 1_800_000_000 })
        let b = RateLimiter(redis: redis, requestsPerMinute: 100, logger: Logger(label: "test"), now: { 1_800_000_000 })
        let bucket = "test:\(UInt64.random(in: 0...UInt64.max))"
        let key = "ratelimit:\(bucket):\(1_800_000_000 / 60)"
        func counter() async throws -> String? { try await redis.send(["GET", key]).string }
        for _ in 0..<50 { #expect(await Self.admitted(b, bucket)) }
        #expect(try await counter() == "50", "b reserved in leases of 2")
        #expect(await Self.admitted(a, bucket))
        #expect(try await counter() == "52", "a had seen nothing yet: a lease of 2")
        #expect(await Self.admitted(a, bucket))
        #expect(try await counter() == "52", "admitted from a's lease, no round trip")
        #expect(await Self.admitted(a, bucket))
        #expect(try await counter() == "53", "a has seen 52 of 100: a lease of 1")
        var admittedByB = 0
        for _ in 0..<60 where await Self.admitted(b, bucket) { admittedByB += 1 }
        #expect(admittedByB == 47, "b got every request of the budget a did not use")
        await redis.shutdown()
    }
}
