import BlockingIO
import EventSub
import JSONValue
import Postgres
import Redis
import TestSupport
import Testing
import YouTubeAPI
import YouTubeStandIn
import YouTubeStatus

/// `youtube-status` against the Data API stand-in: ends of streams, the periodic re-check
/// (viewers, samples, scheduled broadcasts), and the quota (counted, stretched, stopped).
@Suite struct YouTubeStatusTests {
    /// A subscribed channel tracked by `companies`, live through a push that was checked.
    func liveChannel(_ world: YouTubeWorld, _ handle: String, companies: [String], viewers: Int = 10)
        async throws -> (id: String, video: String, checker: YouTubeStatusChecker)
    {
        let channel = try world.channel(handle, trackedBy: companies)
        try await world.subscribe([channel.id])
        let published = try world.standIn.goLive(channelID: channel.id, title: "Stream of \(handle)", concurrentViewers: viewers)
        await world.standIn.waitForDeliveries(published.deliveryIDs)
        let checker = world.checker(channels: [channel.id])
        let reports = try await world.runQueuedChecks(checker)
        #expect(reports.map(\.wentOnline) == [1], "\(reports)")
        return (channel.id, published.video.id, checker)
    }

    @Test func endOfStreamGoesOfflineByRecheckAndByPush() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube offline")
            let polled = try await liveChannel(world, "endpoll", companies: [company])
            // YouTube pushes nothing when a broadcast ends: the re-check notices.
            try world.standIn.endBroadcast(videoID: polled.video)
            let report = try await polled.checker.recheck()
            #expect(report.wentOffline == 1 && report.eventsStored == 1 && report.apiCalls == 1, "\(report)")
            let events = try YouTubeWorld.events(channelID: polled.id)
            #expect(events.map(\.type) == ["stream.online", "stream.offline"])
            #expect(events.last?.messageID == "youtube:\(polled.video):offline" && events.last?.source == "poll")
            #expect(try YouTubeWorld.channelState(channelID: polled.id, company: company) == .init(live: false, streamID: nil, title: "Stream of endpoll", viewers: 0))
            // Nothing live any more: the next re-check costs nothing.
            world.clock.advance(by: 60)
            let idle = try await polled.checker.recheck()
            #expect(idle.apiCalls == 0 && idle.skipped == "nothing live or due", "\(idle)")

            // An end that is pushed (a title edit after the stream, or the hub's own retry) is noticed by the push check.
            let pushed = try await liveChannel(world, "endpush", companies: [company])
            let ended = try world.standIn.endBroadcast(videoID: pushed.video, notify: true)
            await world.standIn.waitForDeliveries(ended.deliveryIDs)
            let reports = try await world.runQueuedChecks(pushed.checker)
            #expect(reports.map(\.wentOffline) == [1] && reports.map(\.eventsStored) == [1], "\(reports)")
            #expect(try YouTubeWorld.events(channelID: pushed.id).map(\.type) == ["stream.online", "stream.offline"])
            #expect(try YouTubeWorld.channelState(channelID: pushed.id, company: company)?.live == false)

            // A live video that is deleted is over too.
            let deleted = try await liveChannel(world, "deleted", companies: [company])
            let tombstone = try world.standIn.deleteVideo(videoID: deleted.video)
            await world.standIn.waitForDeliveries(tombstone.deliveryIDs)
            let afterDelete = try await world.runQueuedChecks(deleted.checker)
            #expect(afterDelete.map(\.wentOffline) == [1], "\(afterDelete)")
            #expect(try YouTubeWorld.channelState(channelID: deleted.id, company: company)?.live == false)
        }
    }

    @Test func recheckRefreshesViewersTitleAndSamples() async throws {
        try await withYouTubeWorld { world in
            let first = try TestServices.makeCompany("YouTube viewers A")
            let second = try TestServices.makeCompany("YouTube viewers B")
            let live = try await liveChannel(world, "viewers", companies: [first, second], viewers: 5)
            try world.standIn.setConcurrentViewers(videoID: live.video, 1_234)
            try world.standIn.updateVideo(videoID: live.video, title: "New title", notify: false)
            let report = try await live.checker.recheck()
            #expect(report.rowsRefreshed == 2 && report.samples == 2 && report.eventsStored == 0 && report.apiCalls == 1, "\(report)")
            for company in [first, second] {
                #expect(try YouTubeWorld.channelState(channelID: live.id, company: company) == .init(live: true, streamID: live.video, title: "New title", viewers: 1_234))
            }
            let samples = try TestServices.superuserQuery("""
                SELECT viewer_count, stream_id, platform FROM viewer_samples
                WHERE creator_id IN (SELECT creator_id FROM creator_channels WHERE platform = 'youtube' AND channel_id = $1)
                """, [live.id]).rows
            #expect(samples.count == 2 && samples.allSatisfy { $0["viewer_count"] == "1234" && $0["stream_id"] == live.video && $0["platform"] == "youtube" })
            // A second run in the same minute adds no sample (it is not due yet either).
            #expect(try await live.checker.recheck().skipped?.hasPrefix("not due") == true)
        }
    }

    /// YouTube pushes when a broadcast is scheduled but not when it starts: the re-check watches it.
    @Test func scheduledBroadcastGoesLiveWithoutAPush() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube scheduled")
            let channel = try world.channel("scheduled", trackedBy: [company])
            try await world.subscribe([channel.id])
            let checker = world.checker(channels: [channel.id])
            let scheduled = try world.standIn.publishVideo(channelID: channel.id, title: "Premiere soon", scheduledStartTime: world.clock.now() + 30)
            await world.standIn.waitForDeliveries(scheduled.deliveryIDs)
            let reports = try await world.runQueuedChecks(checker)
            #expect(reports.map(\.watched) == [1] && reports.map(\.eventsStored) == [0], "\(reports)")

            // Not started yet: asked about, still watched.
            #expect(try await checker.recheck().videosChecked == 1)
            world.clock.advance(by: 60)
            try world.standIn.startBroadcast(videoID: scheduled.video.id, concurrentViewers: 7)
            let report = try await checker.recheck()
            #expect(report.wentOnline == 1 && report.eventsStored == 1, "\(report)")
            let events = try YouTubeWorld.events(channelID: channel.id)
            #expect(events.map(\.type) == ["stream.online"] && events.first?.source == "poll")
            #expect(try YouTubeWorld.channelState(channelID: channel.id, company: company)?.streamID == scheduled.video.id)
            // From now on it is a live channel, re-checked as such.
            world.clock.advance(by: 60)
            let next = try await checker.recheck()
            #expect(next.videosChecked == 1 && next.rowsRefreshed == 1, "\(next)")
        }
    }

    /// Every call is counted in the shared budget (and matches the stand-in's ledger); as the
    /// budget runs low the re-check interval stretches (1×, 2×, 4×), then stops while push checks
    /// go on, and once it is spent nothing more is sent.
    @Test func quotaIsCountedAndDegradationStretchesTheInterval() async throws {
        try await withYouTubeWorld(unitsPerDay: 1_000) { world in
            let company = try TestServices.makeCompany("YouTube quota")
            let live = try await liveChannel(world, "quota", companies: [company])
            #expect(try await world.quota.usage().used == 1 && world.standIn.state.quotaUsed() == 1)

            /// Runs the re-check once a minute for `minutes` and returns how many runs called the API.
            func minutes(_ minutes: Int) async throws -> Int {
                var runs = 0
                for _ in 0..<minutes {
                    world.clock.advance(by: 60)
                    runs += try await live.checker.recheck().apiCalls
                }
                return runs
            }
            #expect(try await minutes(4) == 4)
            #expect(try await world.quota.usage().used == 5 && world.standIn.state.quotaUsed() == 5)
            var snapshot = try #require(try await live.checker.publishedQuota())
            #expect(snapshot["level"] == "normal" && snapshot["recheckIntervalSeconds"] == 60 && snapshot["remaining"] == 995 && snapshot["limit"] == 1_000)

            _ = try await world.redis.send(["SET", world.quotaKey, "600"])  // 40 % left
            #expect(try await minutes(8) == 4)
            snapshot = try #require(try await live.checker.publishedQuota())
            #expect(snapshot["level"] == "relaxed" && snapshot["recheckIntervalSeconds"] == 120)

            _ = try await world.redis.send(["SET", world.quotaKey, "900"])  // 10 % left
            #expect(try await minutes(8) == 2)
            #expect(try #require(try await live.checker.publishedQuota())["level"] == "sparse")

            _ = try await world.redis.send(["SET", world.quotaKey, "970"])  // 3 % left: re-checks stop, pushes still checked
            #expect(try await minutes(5) == 0)
            snapshot = try #require(try await live.checker.publishedQuota())
            #expect(snapshot["level"] == "goLiveOnly" && snapshot["recheckIntervalSeconds"] == .null)
            let upload = try world.standIn.publishVideo(channelID: live.id, title: "An upload")
            await world.standIn.waitForDeliveries(upload.deliveryIDs)
            #expect(try await world.runQueuedChecks(live.checker).map(\.apiCalls) == [1])

            _ = try await world.redis.send(["SET", world.quotaKey, "1000"])  // spent
            let sent = world.standIn.state.requestCount(method: "videos")
            let another = try world.standIn.publishVideo(channelID: live.id, title: "Another upload")
            await world.standIn.waitForDeliveries(another.deliveryIDs)
            let skipped = try await world.runQueuedChecks(live.checker)
            #expect(skipped.map(\.apiCalls) == [0] && skipped.first?.skipped?.hasPrefix("quota spent until ") == true, "\(skipped)")
            #expect(try await minutes(2) == 0)
            #expect(world.standIn.state.requestCount(method: "videos") == sent)
            #expect(try #require(try await live.checker.publishedQuota())["level"] == "exhausted")
        }
    }

    /// Google's own count wins: `quotaExceeded` (another app on the project spent it) stops every
    /// check until the Pacific-midnight reset, then checks resume.
    @Test func quotaExceededFromGoogleStopsChecksUntilTheReset() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube quotaExceeded")
            let live = try await liveChannel(world, "exceeded", companies: [company])
            world.standIn.state.setQuotaUsed(world.standIn.state.dailyLimit)
            world.clock.advance(by: 60)
            let refused = try await live.checker.recheck()
            #expect(refused.skipped == "quotaExceeded from youtube" && refused.wentOffline == 0, "\(refused)")
            // Our budget now says spent; the live row was not touched.
            let usage = try await world.quota.usage()
            #expect(usage.remaining == 0 && usage.degradation == .exhausted)
            #expect(try YouTubeWorld.channelState(channelID: live.id, company: company)?.live == true)
            let sent = world.standIn.state.requestCount(method: "videos")
            world.clock.advance(by: 60)
            #expect(try await live.checker.recheck().skipped == "quota level exhausted")
            #expect(world.standIn.state.requestCount(method: "videos") == sent)
            let resetsAt = try #require(try await live.checker.publishedQuota()?["resetsAt"]?.stringValue)
            #expect(resetsAt == RFC3339.format(unixSeconds: Double(usage.resetsAt)))

            // Past Pacific midnight both days are new.
            let untilReset = Double(usage.resetsAt) - world.clock.now() + 1
            world.clock.advance(by: untilReset)
            world.standIn.state.setQuotaUsed(0)
            let resumed = try await live.checker.recheck()
            #expect(resumed.apiCalls == 1 && resumed.rowsRefreshed == 1, "\(resumed)")
        }
    }
}
