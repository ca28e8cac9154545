import EventSub
public import JSONValue
import Redis
public import YouTubeAPI

/// When the periodic re-check of live channels runs, by what is left of the day's quota
/// (`QuotaDegradation`): every scheduled run at full quota, every 2nd/4th as it runs low, none in
/// the last 5 % (kept for push-triggered go-live checks) or once it is spent. The time of the last
/// re-check is kept in Redis, so the stretch holds across workers and restarts.
///
/// It also publishes the day's quota for the dashboard and metrics: `<prefix>quota` holds a small
/// JSON object (`QuotaSnapshot`), rewritten by every run.
struct RecheckPacing: Sendable {
    let redis: RedisClient
    /// The schedule's interval: the re-check cadence at full quota.
    let baseIntervalSeconds: Double
    let keyPrefix: String

    var lastRecheckKey: String { keyPrefix + "last-recheck" }
    var snapshotKey: String { keyPrefix + "quota" }

    enum Decision: Sendable, Equatable {
        case run(intervalSeconds: Double)
        /// The quota level allows no re-checks now.
        case paused(QuotaDegradation)
        /// Not due yet at this level's interval.
        case notDue(intervalSeconds: Double, nextAt: Double)
    }

    /// A scheduler fires a little early or late; within this, a run counts as on time.
    var slackSeconds: Double { min(10, baseIntervalSeconds / 4) }

    func decide(usage: QuotaUsage, now: Double) async throws -> Decision {
        guard let multiplier = usage.degradation.pollingIntervalMultiplier else { return .paused(usage.degradation) }
        let interval = baseIntervalSeconds * Double(multiplier)
        if let last = try await lastRecheck(), now < last + interval - slackSeconds {
            return .notDue(intervalSeconds: interval, nextAt: last + interval)
        }
        return .run(intervalSeconds: interval)
    }

    func lastRecheck() async throws -> Double? {
        try await redis.send(["GET", lastRecheckKey]).string.flatMap(Double.init)
    }

    /// Recorded before the calls are made, so a second worker does not re-check the same minute.
    func markRecheck(at time: Double) async throws {
        _ = try await redis.send(["SET", lastRecheckKey, String(time), "EX", "86400"])
    }

    /// Rewrites the snapshot; best effort (a dashboard number is not worth failing a check for).
    func publish(_ usage: QuotaUsage, now: Double) async -> QuotaSnapshot {
        let last = try? await lastRecheck()
        let snapshot = QuotaSnapshot(usage: usage, baseIntervalSeconds: baseIntervalSeconds, lastRecheckAt: last, updatedAt: now)
        _ = try? await redis.send(["SET", snapshotKey, JSONWriter.string(snapshot.json), "EX", String(2 * 86_400)])
        return snapshot
    }
}

/// The day's YouTube quota as the dashboard and metrics read it from Redis
/// (`youtube:status:quota`): `{"day","used","limit","remaining","remainingShare","level",
/// "resetsAt","recheckIntervalSeconds","lastRecheckAt","updatedAt"}` (times RFC 3339 UTC;
/// `recheckIntervalSeconds` null while re-checks are paused; `level` one of `QuotaDegradation`).
public struct QuotaSnapshot: Sendable, Equatable {
    public let usage: QuotaUsage
    public let recheckIntervalSeconds: Double?
    public let lastRecheckAt: Double?
    public let updatedAt: Double

    init(usage: QuotaUsage, baseIntervalSeconds: Double, lastRecheckAt: Double?, updatedAt: Double) {
        self.usage = usage
        self.recheckIntervalSeconds = usage.degradation.pollingIntervalMultiplier.map { baseIntervalSeconds * Double($0) }
        self.lastRecheckAt = lastRecheckAt
        self.updatedAt = updatedAt
    }

    public var json: JSONValue {
        [
            "day": .string(usage.day), "used": .int(Int64(usage.used)), "limit": .int(Int64(usage.limit)), "remaining": .int(Int64(usage.remaining)),
            "remainingShare": .double((usage.remainingShare * 10_000).rounded() / 10_000), "level": .string(usage.degradation.rawValue),
            "resetsAt": .string(RFC3339.format(unixSeconds: Double(usage.resetsAt))),
            "recheckIntervalSeconds": recheckIntervalSeconds.map { .int(Int64($0.rounded())) } ?? .null,
            "lastRecheckAt": lastRecheckAt.map { .string(RFC3339.format(unixSeconds: $0)) } ?? .null,
            "updatedAt": .string(RFC3339.format(unixSeconds: updatedAt)),
        ]
    }
}
