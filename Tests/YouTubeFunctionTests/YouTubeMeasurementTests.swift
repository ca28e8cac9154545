import BlockingIO
import JobQueue
import Postgres
import TestSupport
import Testing
import YouTubeStandIn
import YouTubeStatus

/// The closing-note figures of issue 17, measured against the stand-ins and printed as
/// `MEASURE …` lines: Data API units per live hour per channel with the scheduled re-check, and
/// push → stored event latency through the real webhook, queue, worker and ingest.
@Suite(.serialized) struct YouTubeMeasurementTests {
    /// An hour of the schedule (a run every 60 s) with 1 and then 3 channels live, counted on the
    /// stand-in's own quota ledger (what Google would bill).
    @Test func quotaUnitsPerLiveHourPerChannel() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube quota per hour")
            var channels: [String] = []
            for index in 0..<3 {
                let channel = try world.channel("hour\(index)", trackedBy: [company])
                try await world.subscribe([channel.id])
                let published = try world.standIn.goLive(channelID: channel.id, title: "Hour \(index)", concurrentViewers: 100)
                await world.standIn.waitForDeliveries(published.deliveryIDs)
                channels.append(channel.id)
            }
            // The go-live checks themselves: one unit per push.
            let pushes = try await world.runQueuedChecks(world.checker(channels: Set(channels)))
            #expect(pushes.map(\.apiCalls) == [1, 1, 1] && pushes.map(\.wentOnline) == [1, 1, 1], "\(pushes)")

            func liveHour(_ checker: YouTubeStatusChecker) async throws -> Int {
                let before = world.standIn.state.quotaUsed()
                for _ in 0..<60 {
                    world.clock.advance(by: 60)
                    _ = try await checker.recheck()
                }
                return world.standIn.state.quotaUsed() - before
            }
            let one = try await liveHour(world.checker(channels: [channels[0]]))
            // The schedule's pacing is shared, so this hour simply follows the first.
            let three = try await liveHour(world.checker(channels: Set(channels)))
            #expect(one == 60 && three == 60, "one: \(one), three: \(three)")
            print("MEASURE youtube quota: \(one) units per live hour for 1 live channel; \(three) for 3 live channels (\(Double(three) / 3) per channel); "
                + "so at full quota 1 unit per minute per batch of up to 50 live channels (60 units/hour for a channel alone, 1.2 each with 50 live), "
                + "plus 1 unit per push; below 50 % left the interval doubles, below 20 % quadruples, below 5 % only pushes are checked")
        }
    }

    /// A channel goes live at the stand-in → signed push → webhook → job on the queue → a worker
    /// (`YouTubeStatusJob`) → `videos.list` → ingest: the stored event's `received_at` minus the
    /// moment the stand-in was told to go live.
    @Test func pushToStoredEventLatency() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube latency")
            let channel = try world.channel("latency", trackedBy: [company])
            try await world.subscribe([channel.id])
            let worker = JobWorker(queue: world.queue, redisURL: try TestServices.redisURL(), consumer: "latency-\(world.tag)", batchSize: 16,
                                   idleExitSeconds: nil, logger: YouTubeWorld.quietLogger("youtube-status-worker"),
                                   function: YouTubeStatusJob(checker: world.checker(channels: [channel.id])))
            let working = Task { try await worker.work() }
            defer { working.cancel() }
            // Let the worker create its group and start waiting.
            try await Task.sleep(nanoseconds: 300_000_000)

            var latencies: [Double] = []
            for round in 0..<10 {
                let started = wallClockSeconds()
                let published = try world.standIn.goLive(channelID: channel.id, title: "Round \(round)", concurrentViewers: round)
                let messageID = "youtube:\(published.video.id):online"
                var storedAt: Double?
                _ = await YouTubeWorld.eventually(seconds: 10) {
                    storedAt = try? TestServices.superuserQuery(
                        "SELECT extract(epoch FROM received_at)::float8 AS at FROM events WHERE twitch_message_id = $1", [messageID]
                    ).first?["at"].flatMap(Double.init)
                    return storedAt != nil
                }
                let stored = try #require(storedAt, "round \(round): no event")
                latencies.append((stored - started) * 1000)
                try world.standIn.endBroadcast(videoID: published.video.id)
            }
            let sorted = latencies.sorted()
            let p50 = sorted[sorted.count / 2]
            print("MEASURE youtube push → stored event: p50 \(Int(p50.rounded())) ms, max \(Int(sorted.last!.rounded())) ms over \(sorted.count) go-lives "
                + "(stand-in push, webhook, Redis queue, worker, videos.list, ingest; local loopback)")
            #expect(sorted.last! < 5_000)
        }
    }
}
