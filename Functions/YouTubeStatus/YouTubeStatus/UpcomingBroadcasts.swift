import EventSub
import Redis
import YouTubeAPI

/// Scheduled broadcasts a push told us about. YouTube pushes when a broadcast is scheduled (an
/// upload of an `upcoming` video) but not when it goes live, so without this a scheduled stream
/// would only be noticed by the next push. The re-check asks for these ids from shortly before
/// their scheduled start until `watchSeconds` after it, in the same `videos.list` calls as the
/// live channels (50 ids per unit). A Redis sorted set: member video id, score scheduled start.
struct UpcomingBroadcasts: Sendable {
    let redis: RedisClient
    let key: String
    /// How long after its scheduled start a broadcast that has not started is still watched.
    let watchSeconds: Double
    /// More than this many due at once are left for the next run (a bound on one run's units).
    static let maximumPerRun = 200

    func watch(_ videos: [YouTubeVideo]) async throws {
        var command = ["ZADD", key]
        for video in videos {
            guard let text = video.scheduledStartTime, let start = RFC3339.unixSeconds(text) else { continue }
            command += [String(start), video.id]
        }
        guard command.count > 2 else { return }
        _ = try await redis.pipeline([command, ["EXPIRE", key, String(Int(watchSeconds) + 30 * 86_400)]])
    }

    /// Ids scheduled to start before `now + lookAhead`; the ones past their watch are dropped.
    func due(now: Double, lookAhead: Double) async throws -> [String] {
        let replies = try await redis.pipeline([
            ["ZREMRANGEBYSCORE", key, "-inf", "(" + String(now - watchSeconds)],
            ["ZRANGEBYSCORE", key, "-inf", String(now + lookAhead), "LIMIT", "0", String(Self.maximumPerRun)],
        ])
        return (replies.last?.array ?? []).compactMap(\.string)
    }

    func forget(_ ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        _ = try await redis.send(["ZREM", key] + ids)
    }
}
