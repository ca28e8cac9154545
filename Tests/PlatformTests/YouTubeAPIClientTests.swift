import Redis
import Settings
import TestSupport
import Testing
import YouTubeAPI
import YouTubeStandIn

/// The Data API client against the YouTube stand-in over HTTP, with the budget in real Redis.
@Suite struct YouTubeAPIClientTests {
    /// A client for the stand-in with a fresh budget of `units` on its own Redis key.
    private func withClient(_ standIn: YouTubeStandInFixture, units: Int = 1_000, key: String? = nil,
                            _ body: (YouTubeClient) async throws -> Void) async throws {
        let redis = RedisClient(url: try TestServices.redisURL())
        let quota = QuotaBudget(redis: redis, unitsPerDay: units, keyPrefix: "test:youtube-quota:\(TestServices.uniqueTwitchUserID()):")
        let client = YouTubeClient(configuration: YouTubeConfiguration(apiKey: key ?? standIn.key, baseURL: standIn.baseURL + "/"), quota: quota)
        do {
            try await body(client)
        } catch {
            await redis.shutdown()
            throw error
        }
        await redis.shutdown()
    }

    @Test func liveStateOfVideos() async throws {
        try await withYouTubeStandIn { standIn in
            let channel = try standIn.state.addChannel(handle: "livechannel", title: "Live Channel")
            let live = try standIn.server.goLive(channelID: channel.id, title: "Live now", concurrentViewers: 1234).video
            let upload = try standIn.server.publishVideo(channelID: channel.id, title: "An upload", notify: false).video
            let upcoming = try standIn.server.publishVideo(channelID: channel.id, title: "Later", scheduledStartTime: standIn.state.now + 3600,
                                                           notify: false).video
            try await withClient(standIn) { client in
                let videos = try await client.videos(ids: [live.id, upload.id, upcoming.id, "AAAAAAAAAAA", live.id])
                #expect(videos.map(\.id) == [live.id, upload.id, upcoming.id])
                let byID = Dictionary(uniqueKeysWithValues: videos.map { ($0.id, $0) })
                let liveVideo = try #require(byID[live.id])
                #expect(liveVideo.isLive && liveVideo.isBroadcast)
                #expect(liveVideo.broadcastContent == .live)
                #expect(liveVideo.channelID == channel.id)
                #expect(liveVideo.title == "Live now")
                #expect(liveVideo.channelTitle == "Live Channel")
                #expect(liveVideo.concurrentViewers == 1234)
                #expect(liveVideo.actualStartTime != nil && liveVideo.actualEndTime == nil)
                let uploadVideo = try #require(byID[upload.id])
                #expect(!uploadVideo.isLive && !uploadVideo.isBroadcast && uploadVideo.broadcastContent == .none)
                let upcomingVideo = try #require(byID[upcoming.id])
                #expect(!upcomingVideo.isLive && upcomingVideo.broadcastContent == .upcoming && upcomingVideo.scheduledStartTime != nil)
                // One call, one unit, counted by us and by "Google".
                #expect(try await client.quota.usage().used == 1)
                #expect(standIn.state.quotaUsed() == 1)

                _ = try standIn.server.endBroadcast(videoID: live.id)
                let ended = try #require(try await client.videos(ids: [live.id]).first)
                #expect(!ended.isLive && ended.actualEndTime != nil && ended.concurrentViewers == nil)
                #expect(try await client.videos(ids: []).isEmpty)
                #expect(try await client.quota.usage().used == 2)
            }
        }
    }

    @Test func moreThanFiftyIdsAreSplitAndBadIdsCostNothing() async throws {
        try await withYouTubeStandIn { standIn in
            let channel = try standIn.state.addChannel(handle: "manyvideos", title: "Many")
            let live = try standIn.server.goLive(channelID: channel.id, title: "Live", concurrentViewers: 5).video
            let filler = (0..<119).map { index in "F" + String(repeating: "0", count: 10 - String(index).count) + String(index) }
            try await withClient(standIn) { client in
                let videos = try await client.videos(ids: filler + [live.id])
                #expect(videos.map(\.id) == [live.id])
                #expect(standIn.state.requestCount(method: "videos") == 3)
                #expect(try await client.quota.usage().used == 3)
                await #expect(throws: YouTubeAPIError.invalidArgument("not a YouTube video id: bad id!")) { _ = try await client.videos(ids: [live.id, "bad id!"]) }
                #expect(standIn.state.requestCount(method: "videos") == 3)
                #expect(try await client.quota.usage().used == 3)
            }
        }
    }

    @Test func channelsByHandleAndID() async throws {
        try await withYouTubeStandIn { standIn in
            let channel = try standIn.state.addChannel(handle: "GoogleDevelopers", title: "Google for Developers")
            try await withClient(standIn) { client in
                let expected = YouTubeAPI.YouTubeChannel(id: channel.id, title: "Google for Developers", handle: "googledevelopers")
                let byHandle = try await client.channel(handle: "@GoogleDevelopers")
                #expect(byHandle?.id == expected.id && byHandle?.title == expected.title)
                #expect(byHandle?.handle?.lowercased() == "googledevelopers")
                #expect(try await client.channel(handle: "GoogleDevelopers")?.id == channel.id)
                #expect(try await client.channel(id: channel.id)?.id == channel.id)
                #expect(try await client.channel(handle: "@nobody-here") == nil)
                #expect(try await client.channel(id: "UCunknownunknownunknownQ") == nil)
                await #expect(throws: YouTubeAPIError.invalidArgument("not a YouTube channel id: @x")) { _ = try await client.channel(id: "@x") }
                #expect(standIn.state.requestCount(method: "channels") == 5)
                #expect(try await client.quota.usage().used == 5)
            }
        }
    }

    @Test func googleErrorsAreTypedAndQuotaExceededSpendsTheDay() async throws {
        try await withYouTubeStandIn { standIn in
            let channel = try standIn.state.addChannel(handle: "errors", title: "Errors")
            let video = try standIn.server.publishVideo(channelID: channel.id, title: "v", notify: false).video
            try await withClient(standIn, key: "AIzaWrongKey") { client async throws in
                await #expect(throws: YouTubeAPIError.keyInvalid("API key not valid. Please pass a valid API key.")) {
                    _ = try await client.videos(ids: [video.id])
                }
                // Google charges invalid requests too: so did we.
                #expect(try await client.quota.usage().used == 1)
            }
            try await withClient(standIn) { client in
                standIn.state.setQuotaUsed(standIn.state.dailyLimit)
                await #expect {
                    _ = try await client.videos(ids: [video.id])
                } throws: { error in
                    guard case YouTubeAPIError.quotaExceeded(let message) = error else { return false }
                    return message.contains("exceeded your")
                }
                // The day is spent locally too: the next call is refused without a request.
                let requests = standIn.state.requestCount(method: "videos")
                let usage = try await client.quota.usage()
                #expect(usage.remaining == 0 && usage.degradation == .exhausted)
                await #expect(throws: YouTubeAPIError.budgetExhausted(used: 1_000, limit: 1_000, day: usage.day)) {
                    _ = try await client.videos(ids: [video.id])
                }
                #expect(standIn.state.requestCount(method: "videos") == requests)
            }
        }
    }

    @Test func theLocalBudgetRefusesBeforeSending() async throws {
        try await withYouTubeStandIn { standIn in
            let channel = try standIn.state.addChannel(handle: "budget", title: "Budget")
            let video = try standIn.server.publishVideo(channelID: channel.id, title: "v", notify: false).video
            try await withClient(standIn, units: 2) { client in
                _ = try await client.videos(ids: [video.id])
                _ = try await client.channel(id: channel.id)
                let day = try await client.quota.usage().day
                await #expect(throws: YouTubeAPIError.budgetExhausted(used: 2, limit: 2, day: day)) { _ = try await client.videos(ids: [video.id]) }
                #expect(standIn.state.requestCount(method: "videos") == 1)
                #expect(standIn.state.quotaUsed() == 2)
            }
        }
    }

    @Test func transportErrorsNeverCarryTheKey() async throws {
        let redis = RedisClient(url: try TestServices.redisURL())
        let quota = QuotaBudget(redis: redis, unitsPerDay: 10, keyPrefix: "test:youtube-quota:\(TestServices.uniqueTwitchUserID()):")
        let secretKey = "AIzaSuperSecretKeyValue123"
        let client = YouTubeClient(configuration: YouTubeConfiguration(apiKey: secretKey, baseURL: "http://127.0.0.1:1", requestTimeoutSeconds: 2),
                                   quota: quota)
        await #expect {
            _ = try await client.videos(ids: ["AAAAAAAAAAA"])
        } throws: { error in
            guard case YouTubeAPIError.transport(let message) = error else { return false }
            return !message.contains(secretKey) && !"\(error)".contains(secretKey)
        }
        await redis.shutdown()
    }

    @Test func configurationFromTheEnvironment() throws {
        let configuration = try YouTubeConfiguration.fromEnvironment(Environment(["YOUTUBE_API_KEY": "AIzaKey"]))
        #expect(configuration == YouTubeConfiguration(apiKey: "AIzaKey", baseURL: "https://www.googleapis.com", unitsPerDay: 10_000))
        let local = try YouTubeConfiguration.fromEnvironment(Environment([
            "YOUTUBE_API_KEY": "k", "YOUTUBE_API_BASE_URL": "http://127.0.0.1:8092/", "YOUTUBE_QUOTA_PER_DAY": "500",
        ]))
        #expect(local.baseURL == "http://127.0.0.1:8092" && local.unitsPerDay == 500)
        #expect(throws: (any Error).self) { try YouTubeConfiguration.fromEnvironment(Environment([:])) }
        #expect(throws: (any Error).self) { try YouTubeConfiguration.fromEnvironment(Environment(["YOUTUBE_API_KEY": "k", "YOUTUBE_QUOTA_PER_DAY": "0"])) }
        #expect(throws: (any Error).self) { try YouTubeConfiguration.fromEnvironment(Environment(["YOUTUBE_API_KEY": "a key"])) }
    }
}
