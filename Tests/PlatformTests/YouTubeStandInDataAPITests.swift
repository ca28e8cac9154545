import JSONValue
import Testing
import YouTubeStandIn

/// The Data API v3 side of the YouTube stand-in over real HTTP: shapes, quota and errors.
@Suite struct YouTubeStandInDataAPITests {
    @Test func videosListGivesTheResourceShapeForEachBroadcastState() async throws {
        try await withYouTubeStandIn { api in
            let channel = try api.state.addChannel(handle: "@Streamer", title: "Streamer")
            let live = try api.server.goLive(channelID: channel.id, title: "Live now", concurrentViewers: 1234).video
            let upcoming = try api.server.publishVideo(channelID: channel.id, title: "Later", scheduledStartTime: api.state.now + 3600).video
            let ended = try api.server.goLive(channelID: channel.id, title: "Over").video
            try api.server.endBroadcast(videoID: ended.id)
            let upload = try api.server.publishVideo(channelID: channel.id, title: "Upload").video
            let ids = [live.id, upcoming.id, ended.id, upload.id, "AAAAAAAAAAA"].joined(separator: ",")
            let answer = try await api.get("/youtube/v3/videos?part=snippet,liveStreamingDetails&id=\(ids)&key=\(api.key)")
            #expect(answer.status == 200)
            let json = answer.json
            #expect(json["kind"] == "youtube#videoListResponse")
            #expect(json["etag"]?.stringValue?.isEmpty == false)
            #expect(json["pageInfo"] == ["totalResults": 4, "resultsPerPage": 4])
            let items = try #require(json["items"]?.arrayValue)
            #expect(items.compactMap { $0["id"]?.stringValue } == [live.id, upcoming.id, ended.id, upload.id])
            #expect(items.allSatisfy { $0["kind"] == "youtube#video" && $0["etag"]?.stringValue != nil })

            let liveItem = items[0]
            #expect(liveItem["snippet"]?["liveBroadcastContent"] == "live")
            #expect(liveItem["snippet"]?["channelId"] == .string(channel.id))
            #expect(liveItem["snippet"]?["channelTitle"] == "Streamer")
            #expect(liveItem["snippet"]?["title"] == "Live now")
            #expect(liveItem["snippet"]?["publishedAt"]?.stringValue?.hasSuffix("Z") == true)
            #expect(liveItem["liveStreamingDetails"]?["concurrentViewers"] == "1234")
            #expect(liveItem["liveStreamingDetails"]?["actualStartTime"]?.stringValue != nil)
            #expect(liveItem["liveStreamingDetails"]?["actualEndTime"] == nil)
            #expect(liveItem["liveStreamingDetails"]?["activeLiveChatId"]?.stringValue != nil)

            #expect(items[1]["snippet"]?["liveBroadcastContent"] == "upcoming")
            #expect(items[1]["liveStreamingDetails"]?["scheduledStartTime"]?.stringValue != nil)
            #expect(items[1]["liveStreamingDetails"]?["actualStartTime"] == nil)

            #expect(items[2]["snippet"]?["liveBroadcastContent"] == "none")
            #expect(items[2]["liveStreamingDetails"]?["actualEndTime"]?.stringValue != nil)
            #expect(items[2]["liveStreamingDetails"]?["concurrentViewers"] == nil)
            #expect(items[2]["liveStreamingDetails"]?["activeLiveChatId"] == nil)

            #expect(items[3]["liveStreamingDetails"] == nil)
            #expect(items[3]["snippet"]?["liveBroadcastContent"] == "none")

            // Only the parts asked for.
            let idOnly = try await api.get("/youtube/v3/videos?part=id&id=\(live.id)&key=\(api.key)")
            #expect(idOnly.json["items"]?.arrayValue?.first?["snippet"] == nil)
            // Viewer counts move.
            try api.server.setConcurrentViewers(videoID: live.id, 99)
            let again = try await api.get("/youtube/v3/videos?part=liveStreamingDetails&id=\(live.id)&key=\(api.key)")
            #expect(again.json["items"]?.arrayValue?.first?["liveStreamingDetails"]?["concurrentViewers"] == "99")
            // Unknown ids only: an empty list, not an error.
            let none = try await api.get("/youtube/v3/videos?part=snippet&id=AAAAAAAAAAA&key=\(api.key)")
            #expect(none.status == 200 && none.json["items"] == [] && none.json["pageInfo"]?["totalResults"] == 0)
        }
    }

    @Test func channelsListFindsHandlesIdsAndUsernames() async throws {
        try await withYouTubeStandIn { api in
            let channel = try api.state.addChannel(handle: "GoogleDevelopers", title: "Google for Developers", username: "GoogleDevelopers")
            for query in ["forHandle=@GoogleDevelopers", "forHandle=googledevelopers", "forHandle=%40GOOGLEDEVELOPERS", "id=\(channel.id)",
                          "forUsername=GoogleDevelopers"] {
                let answer = try await api.get("/youtube/v3/channels?part=snippet,contentDetails&\(query)&key=\(api.key)")
                #expect(answer.status == 200)
                #expect(answer.json["kind"] == "youtube#channelListResponse")
                #expect(answer.json["pageInfo"] == ["totalResults": 1, "resultsPerPage": 5])
                let item = try #require(answer.json["items"]?.arrayValue?.first)
                #expect(item["kind"] == "youtube#channel" && item["id"] == .string(channel.id))
                #expect(item["snippet"]?["title"] == "Google for Developers")
                #expect(item["snippet"]?["customUrl"] == "@googledevelopers")
                #expect(item["contentDetails"]?["relatedPlaylists"]?["uploads"] == .string("UU" + channel.id.dropFirst(2)))
            }
            // No match: no `items` at all, as Google answers.
            let missing = try await api.get("/youtube/v3/channels?part=snippet&forHandle=@nobody&key=\(api.key)")
            #expect(missing.status == 200)
            #expect(missing.json["items"] == nil)
            #expect(missing.json["pageInfo"]?["totalResults"] == 0)
            // `id=@handle` finds nothing (ids are ids).
            let handleAsID = try await api.get("/youtube/v3/channels?part=snippet&id=@GoogleDevelopers&key=\(api.key)")
            #expect(handleAsID.json["items"] == nil)
        }
    }

    @Test func everyCallCostsOneUnitAndTheLimitGivesGooglesQuotaExceededBody() async throws {
        try await withYouTubeStandIn(YouTubeStandInConfiguration(dailyQuota: 3)) { api in
            let channel = try api.state.addChannel(handle: "quota", title: "Quota")
            #expect(try await api.get("/youtube/v3/channels?part=snippet&id=\(channel.id)&key=\(api.key)").status == 200)
            // A bad request is charged too.
            #expect(try await api.get("/youtube/v3/videos?part=snippet&key=\(api.key)").status == 400)
            #expect(try await api.get("/youtube/v3/videos?part=snippet&id=AAAAAAAAAAA&key=\(api.key)").status == 200)
            #expect(api.state.quotaUsed() == 3)
            let refused = try await api.get("/youtube/v3/videos?part=snippet&id=AAAAAAAAAAA&key=\(api.key)")
            #expect(refused.status == 403)
            let message = "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>."
            #expect(refused.json == [
                "error": ["code": 403, "message": .string(message),
                          "errors": [["message": .string(message), "domain": "youtube.quota", "reason": "quotaExceeded"]]],
            ])
            // Google's JSON escapes the markup.
            #expect(refused.text.contains("\\u003ca href=\\\"/youtube/v3/getting-started#quota\\\"\\u003equota\\u003c/a\\u003e"))
            // Refused calls are not charged; the count is per key.
            #expect(api.state.quotaUsed() == 3)
            #expect(api.state.requestCount(method: "videos") == 3)
            let quota = try await api.control("GET", "/_stand-in/quota")
            #expect(quota.json["used"]?[api.key] == 3)
            #expect(quota.json["daily_limit"] == 3)
            // Raising the limit over the control API lets calls through again.
            #expect(try await api.control("POST", "/_stand-in/quota", json: ["daily_limit": 10]).status == 200)
            #expect(try await api.get("/youtube/v3/videos?part=snippet&id=AAAAAAAAAAA&key=\(api.key)").status == 200)
        }
    }

    @Test func theQuotaResetsAtMidnightPacificTime() async throws {
        // 2024-07-01 06:30 UTC is 23:30 PDT on June 30.
        let clock = StandInClock(base: { 1_719_815_400 })
        try await withYouTubeStandIn(YouTubeStandInConfiguration(dailyQuota: 10, clock: clock)) { (api) async throws in
            api.state.setQuotaUsed(10)
            #expect(try await api.get("/youtube/v3/videos?part=id&id=AAAAAAAAAAA&key=\(api.key)").status == 403)
            clock.advance(by: 29 * 60)
            #expect(try await api.get("/youtube/v3/videos?part=id&id=AAAAAAAAAAA&key=\(api.key)").status == 403)
            clock.advance(by: 61)
            #expect(try await api.get("/youtube/v3/videos?part=id&id=AAAAAAAAAAA&key=\(api.key)").status == 200)
            #expect(api.state.quotaUsed() == 1)
        }
    }

    @Test func pacificDaysFollowDaylightSavingTime() {
        // Winter (PST, UTC-8).
        #expect(PacificDay.date(at: 1_705_305_599) == "2024-01-14")  // 2024-01-15T07:59:59Z
        #expect(PacificDay.date(at: 1_705_305_600) == "2024-01-15")  // 2024-01-15T08:00:00Z
        // Summer (PDT, UTC-7).
        #expect(PacificDay.date(at: 1_719_817_199) == "2024-06-30")  // 2024-07-01T06:59:59Z
        #expect(PacificDay.date(at: 1_719_817_200) == "2024-07-01")  // 2024-07-01T07:00:00Z
        // The switch days themselves: 2024-03-10 10:00 UTC starts PDT, 2024-11-03 09:00 UTC ends it.
        #expect(PacificDay.date(at: 1_710_064_800 - 1) == "2024-03-10")
        #expect(PacificDay.date(at: 1_710_140_400 - 1) == "2024-03-10")  // 2024-03-11T06:59:59Z, 23:59:59 PDT
        #expect(PacificDay.date(at: 1_710_140_400) == "2024-03-11")
        #expect(PacificDay.date(at: 1_730_707_200 - 1) == "2024-11-03")  // 2024-11-04T07:59:59Z, 23:59:59 PST
        #expect(PacificDay.date(at: 1_730_707_200) == "2024-11-04")
    }

    @Test func keysAreCheckedBeforeAnythingAndNotCharged() async throws {
        try await withYouTubeStandIn { api in
            let missing = try await api.get("/youtube/v3/videos?part=snippet&id=AAAAAAAAAAA")
            #expect(missing.status == 403)
            #expect(missing.json["error"]?["errors"]?.arrayValue?.first?["reason"] == "forbidden")
            #expect(missing.json["error"]?["message"] == "The request is missing a valid API key.")
            #expect(missing.json["error"]?["status"] == "PERMISSION_DENIED")
            let invalid = try await api.get("/youtube/v3/channels?part=snippet&forHandle=x&key=wrong")
            #expect(invalid.status == 400)
            #expect(invalid.json["error"]?["message"] == "API key not valid. Please pass a valid API key.")
            #expect(invalid.json["error"]?["errors"]?.arrayValue?.first?["reason"] == "badRequest")
            #expect(invalid.json["error"]?["status"] == "INVALID_ARGUMENT")
            #expect(invalid.json["error"]?["details"]?.arrayValue?.first?["reason"] == "API_KEY_INVALID")
            #expect(api.state.quotaUsed() == 0)
            #expect(api.state.quotaUsed(key: "wrong") == 0)
        }
    }

    @Test func badParametersGetTheDocumentedReasons() async throws {
        try await withYouTubeStandIn { (api) async throws in
            func reason(_ query: String) async throws -> (Int, String?, String?) {
                let answer = try await api.get(query + "&key=\(api.key)")
                let error = answer.json["error"]?["errors"]?.arrayValue?.first
                return (answer.status, error?["reason"]?.stringValue, error?["message"]?.stringValue)
            }
            #expect(try await reason("/youtube/v3/videos?id=AAAAAAAAAAA") == (400, "required", "Required parameter: part"))
            #expect(try await reason("/youtube/v3/videos?part=snippets&id=AAAAAAAAAAA") == (400, "unknownPart", "snippets"))
            #expect(try await reason("/youtube/v3/videos?part=snippet").1 == "missingRequiredParameter")
            #expect(try await reason("/youtube/v3/videos?part=snippet&id=AAAAAAAAAAA&chart=mostPopular").1 == "incompatibleParameters")
            #expect(try await reason("/youtube/v3/channels?part=snippet").1 == "missingRequiredParameter")
            #expect(try await reason("/youtube/v3/channels?part=snippet&id=UCx&forHandle=x").1 == "incompatibleParameters")
            #expect(try await reason("/youtube/v3/channels?part=brandingSettings,snippet&forHandle=x").0 == 200)
            let fiftyOne = (0..<51).map(videoLikeID).joined(separator: ",")
            #expect(try await reason("/youtube/v3/videos?part=id&id=\(fiftyOne)").0 == 400)
            let fifty = (0..<50).map(videoLikeID).joined(separator: ",")
            #expect(try await reason("/youtube/v3/videos?part=id&id=\(fifty)").0 == 200)
            #expect(try await api.get("/youtube/v3/search?part=snippet&key=\(api.key)").status == 404)
        }
    }

    @Test func theControlAPIAndStatusPageWorkOverHTTP() async throws {
        try await withYouTubeStandIn { api in
            let created = try await api.control("POST", "/_stand-in/channels", json: ["handle": "@web", "title": "<b>Web</b> & co"])
            #expect(created.status == 201)
            let channelID = try #require(created.json["id"]?.stringValue)
            #expect(channelID.hasPrefix("UC") && channelID.utf8.count == 24)
            #expect(try await api.control("POST", "/_stand-in/channels", json: ["handle": "@web", "title": "Again"]).status == 400)
            let live = try await api.control("POST", "/_stand-in/channels/\(channelID)/live", json: ["title": "<script>x</script>", "concurrent_viewers": 5])
            #expect(live.status == 201)
            let videoID = try #require(live.json["video"]?["id"]?.stringValue)
            #expect(live.json["video"]?["live_broadcast_content"] == "live")
            #expect(try await api.control("POST", "/_stand-in/videos/\(videoID)/viewers", json: ["concurrent_viewers": 7]).json["concurrent_viewers"] == 7)
            let page = try await api.get("/")
            #expect(page.status == 200)
            #expect(page.text.contains("&lt;b&gt;Web&lt;/b&gt; &amp; co"))
            #expect(page.text.contains("&lt;script&gt;x&lt;/script&gt;"))
            #expect(!page.text.contains("<script>"))
            #expect(try await api.control("POST", "/_stand-in/channels/\(channelID)/offline").json["ended"]?.arrayValue?.count == 1)
            #expect(api.state.liveVideos.isEmpty)
            #expect(try await api.control("POST", "/_stand-in/channels/UCnonexistentnonexistentA/live", json: ["title": "x"]).status == 404)
            #expect(try await api.control("POST", "/_stand-in/videos", json: ["title": "no channel"]).status == 400)
        }
    }
}

/// An 11-character id from a number (`00000000042`).
private func videoLikeID(_ number: Int) -> String {
    let digits = String(number)
    return String(repeating: "0", count: 11 - digits.count) + digits
}
