import JSONValue
import RumbleStandIn
import Testing

/// The Rumble Live Stream API stand-in over real HTTP.
@Suite struct RumbleStandInTests {
    struct Fixture {
        let server: RumbleStandInServer
        let port: Int
        var baseURL: String { "http://127.0.0.1:\(port)" }
        var state: RumbleStandInState { server.state }

        func control(_ path: String, _ json: JSONValue = [:]) async throws -> StandInTestResponse {
            try await standInRequest("POST", baseURL + path, headers: [("Content-Type", "application/json")], body: JSONWriter.string(json))
        }
    }

    func withRumble(_ configuration: RumbleStandInConfiguration = RumbleStandInConfiguration(), _ body: (Fixture) async throws -> Void) async throws {
        let server = RumbleStandInServer(configuration: configuration, logger: standInQuietLogger("rumble-stand-in"))
        try await server.withRunning { port in try await body(Fixture(server: server, port: port)) }
    }

    @Test func aChannelGoesLiveAndOfflineInItsKeyedDocument() async throws {
        try await withRumble { rumble in
            let created = try await rumble.control("/_stand-in/accounts", ["username": "streamer", "channel_name": "StreamerTV", "followers": 12])
            #expect(created.status == 201)
            let id = try #require(created.json["id"]?.stringValue)
            let apiURL = try #require(created.json["api_url"]?.stringValue)
            #expect(apiURL.hasPrefix(rumble.baseURL + "/-livestream-api/get-data?key="))

            let offline = try await standInRequest("GET", apiURL)
            #expect(offline.status == 200)
            #expect(offline.headers["content-type"] == "application/json")
            #expect(offline.json["type"] == "channel")
            #expect(offline.json["channel_name"] == "StreamerTV")
            #expect(offline.json["channel_id"] == .string(id))
            #expect(offline.json["username"] == "streamer")
            #expect(offline.json["user_id"]?.stringValue?.isEmpty == false)
            #expect(offline.json["now"]?.int64Value != nil)
            #expect(offline.json["max_num_results"] == 50)
            #expect(offline.json["followers"]?["num_followers"] == 12)
            #expect(offline.json["livestreams"] == [])

            #expect(try await rumble.control("/_stand-in/accounts/\(id)/live", ["title": "Friday <stream>", "watching_now": 321]).status == 200)
            let live = try await standInRequest("GET", apiURL)
            let stream = try #require(live.json["livestreams"]?.arrayValue?.first)
            #expect(stream["is_live"] == true)
            #expect(stream["title"] == "Friday <stream>")
            #expect(stream["watching_now"] == 321)
            #expect(stream["visibility"] == "public")
            let streamID = try #require(stream["id"]?.stringValue)
            #expect(streamID.allSatisfy { $0.isLowercase || $0.isNumber })
            let createdOn = try #require(stream["created_on"]?.stringValue)
            #expect(createdOn.utf8.count == 25 && createdOn.hasSuffix("+00:00") && createdOn.dropFirst(10).hasPrefix("T"))
            #expect(stream["categories"]?["primary"]?["title"] == "Gaming")
            #expect(stream["chat"]?["recent_messages"] == [])

            #expect(try await rumble.control("/_stand-in/accounts/\(id)/watching", ["watching_now": 400]).status == 200)
            let watched = try await standInRequest("GET", apiURL)
            #expect(watched.json["livestreams"]?.arrayValue?.first?["watching_now"] == 400)
            #expect(watched.json["livestreams"]?.arrayValue?.first?["id"] == .string(streamID))

            #expect(try await rumble.control("/_stand-in/accounts/\(id)/offline").status == 200)
            let ended = try await standInRequest("GET", apiURL)
            #expect(ended.json["livestreams"] == [])
            #expect(rumble.state.requestCount(id: id) == 4)
            #expect(try await rumble.control("/_stand-in/accounts/\(id)/watching", ["watching_now": 1]).status == 400)
        }
    }

    @Test func aUserKeyAnswersAsAUser() async throws {
        try await withRumble { rumble in
            let account = try rumble.state.addAccount(username: "solo")
            try rumble.state.goLive(id: account.id, title: "Solo", watchingNow: 3)
            let answer = try await standInRequest("GET", account.apiURL(baseURL: rumble.baseURL))
            #expect(answer.json["type"] == "user")
            #expect(answer.json["channel_id"] == .null)
            #expect(answer.json["livestreams"]?.arrayValue?.count == 1)
        }
    }

    @Test func missingWrongAndResetKeysAre401() async throws {
        try await withRumble { rumble in
            let account = try rumble.state.addAccount(username: "keyed")
            let url = account.apiURL(baseURL: rumble.baseURL)
            #expect(try await standInRequest("GET", url).status == 200)
            for wrong in [rumble.baseURL + "/-livestream-api/get-data", rumble.baseURL + "/-livestream-api/get-data?key=nope"] {
                let answer = try await standInRequest("GET", wrong)
                #expect(answer.status == 401)
                #expect(answer.json["error"]?["code"] == 401)
            }
            try rumble.state.resetKey(id: account.id)
            #expect(try await standInRequest("GET", url).status == 401)
            let fresh = try #require(rumble.state.account(id: account.id)).apiURL(baseURL: rumble.baseURL)
            #expect(try await standInRequest("GET", fresh).status == 200)
        }
    }

    @Test func rateLimitsAndInjectedFaultsForBackoff() async throws {
        try await withRumble(RumbleStandInConfiguration(requestsPerMinute: 2)) { rumble in
            let account = try rumble.state.addAccount(username: "busy")
            let url = account.apiURL(baseURL: rumble.baseURL)
            #expect(try await standInRequest("GET", url).status == 200)
            #expect(try await standInRequest("GET", url).status == 200)
            let limited = try await standInRequest("GET", url)
            #expect(limited.status == 429)
            #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
            #expect(try await rumble.control("/_stand-in/rate-limit", ["requests_per_minute": .null]).status == 200)
            #expect(try await rumble.control("/_stand-in/faults", ["status": 503, "count": 2, "retry_after": 7]).status == 200)
            let first = try await standInRequest("GET", url)
            #expect(first.status == 503 && first.headers["retry-after"] == "7")
            #expect(try await standInRequest("GET", url).status == 503)
            #expect(try await standInRequest("GET", url).status == 200)
            #expect(try await rumble.control("/_stand-in/faults", ["status": 200]).status == 400)
        }
    }

    @Test func theStatusPageEscapesTitles() async throws {
        try await withRumble { rumble in
            let account = try rumble.state.addAccount(username: "page")
            try rumble.state.goLive(id: account.id, title: "<img src=x onerror=alert(1)>")
            let page = try await standInRequest("GET", rumble.baseURL + "/")
            #expect(page.status == 200)
            #expect(page.text.contains("&lt;img src=x onerror=alert(1)&gt;"))
            #expect(!page.text.contains("<img"))
        }
    }
}
