import API
import AccessTokens
import CreatorLink
import CreatorLinks
import Creators
import FunctionRuntime
import FunctionServer
import JSONValue
import Logging
import Postgres
import Redis
import RumbleAPI
import RumbleStandIn
import SecretSealing
import TestSupport
import Testing
import TwitchAPI
import TwitchStandIn
import YouTubeAPI
import YouTubeStandIn

/// Creators with YouTube, Rumble and Twitch channels through the REST routes, against the three
/// stand-ins over HTTP and the run's Postgres and Redis: resolution, sealing at rest, listing with
/// live state, delete rules, every refusal's status and code, isolation, roles and audit rows.
@Suite(.serialized) struct CreatorChannelsTests {
    struct World {
        let api: APIHarness
        let youTube: YouTubeStandInServer
        let rumble: RumbleStandInServer
        let rumbleURL: String
        let twitch: TwitchStandInServer
        let quota: QuotaBudget

        func post(_ path: String, _ company: String, _ body: JSONValue, role: Role = .operator) async -> APIHarness.Reply {
            await api.call("POST", path, company: company, role: role, body: body)
        }

        /// A Twitch-less creator known by `channel`; returns its id.
        func creator(_ company: String, named name: String, channel: String, apiURL: String? = nil) async throws -> String {
            var body: [String: JSONValue] = ["displayName": .string(name), "channel": .string(channel)]
            if let apiURL { body["apiUrl"] = .string(apiURL) }
            let reply = await post("/api/creators", company, .object(body))
            #expect(reply.status == 201, "\(reply.json)")
            return try #require(reply.json["id"]?.stringValue)
        }

        func rumbleAccount(_ channel: String) throws -> RumbleAccount {
            try rumble.state.addAccount(username: "owner_\(channel)", channelName: channel)
        }
    }

    static func unique(_ prefix: String) -> String { "\(prefix)\(UInt32.random(in: 0...UInt32.max))" }

    /// The stand-ins on kernel-chosen ports; `youTubeBase` overrides where YouTube is (unreachable
    /// tests), `youTubeBudget` the local daily budget; `platforms: false` leaves YouTube and
    /// Rumble unconfigured.
    static func withWorld(youTubeBase: String? = nil, youTubeBudget: Int = 10_000, configured: Bool = true,
                          _ body: (World) async throws -> Void) async throws {
        let youTube = YouTubeStandInServer(logger: quiet("youtube"))
        let rumble = RumbleStandInServer(logger: quiet("rumble"))
        let twitch = TwitchStandInServer(configuration: StandInConfiguration(createsUnknownLogins: false), logger: quiet("twitch"))
        try await youTube.withRunning { youTubePort in
            try await rumble.withRunning { rumblePort in
                try await twitch.withRunning { twitchPort in
                    let redis = RedisClient(url: try TestServices.redisURL(), size: 1, logger: quiet("quota"))
                    let quota = QuotaBudget(redis: redis, unitsPerDay: youTubeBudget, keyPrefix: "test:youtube-quota:\(unique("q")):")
                    let rumbleURL = "http://127.0.0.1:\(rumblePort)"
                    let platforms = configured ? ChannelPlatforms(
                        youTube: YouTubeClient(configuration: YouTubeConfiguration(apiKey: YouTubeStandInConfiguration.defaultAPIKey,
                                                                                   baseURL: youTubeBase ?? "http://127.0.0.1:\(youTubePort)",
                                                                                   requestTimeoutSeconds: 3), quota: quota),
                        rumble: RumbleClient(configuration: RumbleConfiguration(baseURL: rumbleURL, requestTimeoutSeconds: 3)),
                        keys: APIHarness.sealingKeys) : ChannelPlatforms()
                    let lookup = HelixUserLookup(client: HelixClient(configuration: HelixConfiguration(
                        clientID: StandInConfiguration.defaultClientID, clientSecret: StandInConfiguration.defaultClientSecret,
                        apiBaseURL: "http://127.0.0.1:\(twitchPort)/helix", authBaseURL: "http://127.0.0.1:\(twitchPort)/oauth2")))
                    let api = try APIHarness(twitch: lookup, platforms: platforms)
                    do {
                        try await body(World(api: api, youTube: youTube, rumble: rumble, rumbleURL: rumbleURL, twitch: twitch, quota: quota))
                    } catch {
                        await api.shutdown()
                        await redis.shutdown()
                        throw error
                    }
                    await api.shutdown()
                    await redis.shutdown()
                }
            }
        }
    }

    static func quiet(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        return logger
    }

    static func audits(_ company: String, _ action: String) throws -> [String] {
        try TestServices.superuserQuery("SELECT after::text AS after, before::text AS before FROM audit_logs WHERE company_id = $1 AND action = $2 ORDER BY id",
                                        [company, action]).rows.map { ($0["after"] ?? "") + ($0["before"] ?? "") }
    }

    /// The OpenAPI document's patterns promise what the API accepts: every input they match is a
    /// channel reference of the pattern's platforms (and every API URL a key), and the forms the
    /// API refuses do not match (schemathesis holds the running API to both).
    @Test func theDocumentedPatternsAreWhatTheAPIParses() throws {
        let schemas = try #require(try JSONParser.parse(OpenAPIDocument.json)["components"]?["schemas"])
        func pattern(_ name: String) throws -> Regex<AnyRegexOutput> {
            try Regex(try #require(schemas[name]?["pattern"]?.stringValue))
        }
        let other = try pattern("YouTubeOrTwitchChannel"), rumble = try pattern("RumbleChannel"), apiURL = try pattern("RumbleAPIURL")
        let id = "UC" + String(repeating: "a", count: 20) + "_-"
        let accepted: [(String, ChannelPlatform)] = [
            ("@abc", .youtube), ("@a.b-c_d", .youtube), (id, .youtube), ("https://www.youtube.com/@Handle/live", .youtube),
            ("youtube.com/@abc?si=x#t", .youtube), ("http://m.youtube.com/channel/\(id)/", .youtube), ("https://youtube.com/channel/\(id)/videos", .youtube),
            ("https://www.twitch.tv/Shroud", .twitch), ("twitch.tv/a_b/", .twitch), ("m.twitch.tv/pp?x=1", .twitch), ("twitch.tv/videos_", .twitch),
            ("https://rumble.com/c/Some.Name", .rumble), ("www.rumble.com/user/x-y_z/", .rumble), ("http://rumble.com/c/a?e=1", .rumble),
        ]
        for (input, platform) in accepted {
            #expect(try (platform == .rumble ? rumble : other).wholeMatch(in: input) != nil, "\(input) should match")
            #expect(try (platform == .rumble ? other : rumble).wholeMatch(in: input) == nil, "\(input) is one platform's")
            #expect(try ChannelReference(parsing: input).platform == platform, "\(input)")
        }
        for refused in ["shroud", "@ab", "youtube.com/c/legacy", "https://www.youtube.com/watch?v=x", "twitch.tv/videos", "twitch.tv/P/",
                        "twitch.tv/Directory?x", "https://rumble.com/", "rumble.com/v/abc", "https://evil.example/c/x", "@abc def", "ftp://youtube.com/@abc"] {
            #expect(try other.wholeMatch(in: refused) == nil && rumble.wholeMatch(in: refused) == nil, "\(refused) should not match")
            #expect(throws: ChannelReferenceError.self, "\(refused)") { try ChannelReference(parsing: refused) }
        }
        for key in ["abcdefgh", "https://rumble.com/-livestream-api/get-data?key=AbC-_.~12345", "https://www.rumble.com/-livestream-api/get-data?key=12345678"] {
            #expect(try apiURL.wholeMatch(in: key) != nil && RumbleLivestreamKey(parsing: key).secret.count >= 8, "\(key)")
        }
        for key in ["short", "https://evil.example/-livestream-api/get-data?key=abcdefgh", "https://rumble.com/-livestream-api/get-data?other=abcdefgh"] {
            #expect(try apiURL.wholeMatch(in: key) == nil, "\(key)")
            #expect(throws: RumbleKeyError.self) { try RumbleLivestreamKey(parsing: key) }
        }
    }

    // MARK: - YouTube

    @Test func youTubeByHandleURLOrIdResolvesThroughTheStandIn() async throws {
        try await Self.withWorld { world in
            let first = try world.youTube.state.addChannel(handle: Self.unique("yt"), title: "First Channel")
            let second = try world.youTube.state.addChannel(handle: Self.unique("yt"), title: "Second Channel")
            let third = try world.youTube.state.addChannel(handle: Self.unique("yt"), title: "Third Channel")
            let company = try TestServices.makeCompany()

            // A creator without Twitch, by the channel's URL; the hub subscription is asked for at once.
            func queuedReconciliations() async throws -> Int64 {
                try await world.api.redis.withConnection { try $0.command(["XLEN", "jobs:youtube-subscriptions"]) }.integer ?? 0
            }
            let queuedBefore = try await queuedReconciliations()
            let created = await world.post("/api/creators", company, ["displayName": "Dana", "channel": .string("https://www.youtube.com/@\(first.handle)/live"),
                                                                     "topics": ["irl"]])
            #expect(created.status == 201, "\(created.json)")
            #expect(created.json["twitchUserId"] == .null && created.json["login"] == .null && created.json["displayName"] == "Dana")
            let channels = try #require(created.json["channels"]?.arrayValue)
            #expect(channels.count == 1)
            #expect(channels.first?["platform"] == "youtube" && channels.first?["channelId"] == .string(first.id))
            #expect(channels.first?["handle"] == .string(first.handle.lowercased()) && channels.first?["displayName"] == "First Channel")
            #expect(channels.first?["url"] == .string("https://www.youtube.com/channel/\(first.id)"))
            #expect(channels.first?["live"] == false && channels.first?["viewerCount"] == .int(0) && channels.first?["liveStreamId"] == .null)
            let creator = try #require(created.json["id"]?.stringValue)
            #expect(try await queuedReconciliations() > queuedBefore, "youtube-subscriptions asked to subscribe the new channel")

            // By id and by @handle: one channels.list unit each, counted in the shared budget and at YouTube.
            let byID = await world.post("/api/creators/\(creator)/channels", company, ["channel": .string(second.id)])
            #expect(byID.status == 201 && byID.json["channelId"] == .string(second.id), "\(byID.json)")
            let byHandle = await world.post("/api/creators/\(creator)/channels", company, ["channel": .string("@" + third.handle)])
            #expect(byHandle.status == 201 && byHandle.json["channelId"] == .string(third.id))
            #expect(try await world.quota.usage().used == 3)
            #expect(world.youTube.state.quotaUsed() == 3)
            // What is left is shown to every member (the dashboard's creators page).
            let left = await world.api.call("GET", "/api/platforms", company: company, role: .viewer)
            #expect(left.status == 200 && left.json["youtube"]?["configured"] == true, "\(left.json)")
            #expect(left.json["youtube"]?["quota"]?["used"] == .int(3) && left.json["youtube"]?["quota"]?["limit"] == .int(10_000))
            #expect(left.json["youtube"]?["quota"]?["remaining"] == .int(9_997) && left.json["youtube"]?["quota"]?["level"] == "normal")

            // Twice in one company: 409, whichever way it is spelled.
            let again = await world.post("/api/creators/\(creator)/channels", company, ["channel": .string("https://youtube.com/channel/\(second.id)")])
            #expect(again.status == 409 && again.json["error"]?["code"] == "channel_already_tracked")
            let otherCreator = await world.post("/api/creators", company, ["displayName": "Else", "channel": .string("@" + first.handle)])
            #expect(otherCreator.status == 409 && otherCreator.json["error"]?["code"] == "channel_already_tracked")

            // Unparseable: 422; well formed but unknown to YouTube: 404. Each with its code and the field.
            for (input, status, code) in [("https://www.youtube.com/watch?v=abc", 422, "invalid_channel"), ("shroud", 422, "invalid_channel"),
                                          ("https://www.youtube.com/c/legacy", 422, "invalid_channel"),
                                          ("@no_such_handle_\(UInt16.random(in: 0...9999))", 404, "channel_not_found"),
                                          ("UC" + String(repeating: "x", count: 22), 404, "channel_not_found")] {
                let reply = await world.post("/api/creators/\(creator)/channels", company, ["channel": .string(input)])
                #expect(reply.status == status && reply.json["error"]?["code"] == .string(code), "\(input): \(reply.json)")
                #expect(reply.json["error"]?["fields"]?["channel"] != nil)
            }
            let withURL = await world.post("/api/creators/\(creator)/channels", company, ["channel": .string(first.id), "apiUrl": "https://rumble.com/x"])
            #expect(withURL.status == 422 && withURL.json["error"]?["code"] == "api_url_not_applicable")
            #expect(await world.post("/api/creators/\(creator)/channels", company, ["channel": 5]).status == 422)
            #expect(await world.post("/api/creators/\(creator)/channels", company, ["channel": "@abc", "extra": 1]).status == 422)

            #expect(try Self.audits(company, "creator.add").count == 1)
            #expect(try Self.audits(company, "creator.channel_add").count == 2)
            let get = await world.api.call("GET", "/api/creators/\(creator)", company: company, role: .viewer)
            #expect(get.json["channels"]?.arrayValue?.map { $0["channelId"] } == [.string(first.id), .string(second.id), .string(third.id)])
        }
    }

    @Test func youTubeQuotaSpentOrUnreachableOrUnconfiguredIs503() async throws {
        try await Self.withWorld(youTubeBudget: 1) { world in
            let channel = try world.youTube.state.addChannel(handle: Self.unique("yt"), title: "Budget")
            let company = try TestServices.makeCompany()
            let creator = try await world.creator(company, named: "Budget", channel: "@" + channel.handle)
            let other = try world.youTube.state.addChannel(handle: Self.unique("yt"), title: "Over budget")
            // The local budget (1 unit) is spent: refused before anything is sent.
            let spent = await world.post("/api/creators/\(creator)/channels", company, ["channel": .string(other.id)])
            #expect(spent.status == 503 && spent.json["error"]?["code"] == "youtube_quota_exhausted", "\(spent.json)")
            #expect(world.youTube.state.quotaUsed() == 1)
            #expect(try TestServices.superuserQuery("SELECT count(*) AS n FROM creator_channels WHERE creator_id = $1", [creator])
                .first!.requireInt64("n") == 1)
        }
        try await Self.withWorld { world in
            // Google's own quotaExceeded (the project's quota is gone elsewhere).
            world.youTube.state.setDailyLimit(0)
            let channel = try world.youTube.state.addChannel(handle: Self.unique("yt"), title: "Google says no")
            let company = try TestServices.makeCompany()
            let reply = await world.post("/api/creators", company, ["displayName": "X", "channel": .string(channel.id)])
            #expect(reply.status == 503 && reply.json["error"]?["code"] == "youtube_quota_exhausted", "\(reply.json)")
            #expect(try TestServices.superuserQuery("SELECT count(*) AS n FROM creators WHERE company_id = $1", [company]).first!.requireInt64("n") == 0)
        }
        try await Self.withWorld(youTubeBase: "http://127.0.0.1:1") { world in
            let company = try TestServices.makeCompany()
            let reply = await world.post("/api/creators", company, ["displayName": "X", "channel": "@somebody"])
            #expect(reply.status == 503 && reply.json["error"]?["code"] == "youtube_unavailable")
        }
        try await Self.withWorld(configured: false) { world in
            let company = try TestServices.makeCompany()
            let youTube = await world.post("/api/creators", company, ["displayName": "X", "channel": "@somebody"])
            #expect(youTube.status == 503 && youTube.json["error"]?["code"] == "youtube_not_configured")
            let rumble = await world.post("/api/creators", company, ["displayName": "X", "channel": "https://rumble.com/c/x", "apiUrl": "abcdefgh1234"])
            #expect(rumble.status == 503 && rumble.json["error"]?["code"] == "rumble_not_configured")
            let platforms = await world.api.call("GET", "/api/platforms", company: company, role: .viewer)
            #expect(platforms.status == 200 && platforms.json["youtube"]?["configured"] == false && platforms.json["youtube"]?["quota"] == .null)
        }
    }

    // MARK: - Rumble

    @Test func rumbleNeedsAnAPIURLOfThatChannelAndKeepsItSealed() async throws {
        try await Self.withWorld { world in
            let name = Self.unique("rum")
            let account = try world.rumbleAccount(name)
            let stranger = try world.rumbleAccount(Self.unique("rum"))
            let company = try TestServices.makeCompany()
            let creator = try await world.creator(company, named: "Ruth", channel: "https://www.youtube.com/channel/"
                                                  + world.youTube.state.addChannel(handle: Self.unique("yt"), title: "Ruth on YouTube").id)
            let path = "/api/creators/\(creator)/channels"
            let apiURL = account.apiURL(baseURL: world.rumbleURL)

            for (body, code, field) in [
                (["channel": .string("https://rumble.com/c/\(name)")], "api_url_required", "apiUrl"),
                (["channel": .string("https://rumble.com/c/\(name)"), "apiUrl": "https://evil.example/-livestream-api/get-data?key=abcdefgh12"],
                 "invalid_api_url", "apiUrl"),
                (["channel": .string("https://rumble.com/c/\(name)"), "apiUrl": .string(stranger.apiURL(baseURL: world.rumbleURL))], "channel_mismatch", "apiUrl"),
                (["channel": .string("https://rumble.com/user/\(name)"), "apiUrl": .string(apiURL)], "channel_mismatch", "apiUrl"),
                (["channel": "https://rumble.com/", "apiUrl": .string(apiURL)], "invalid_channel", "channel"),
            ] as [(JSONValue, String, String)] {
                let reply = await world.post(path, company, body)
                #expect(reply.status == 422 && reply.json["error"]?["code"] == .string(code), "\(body): \(reply.json)")
                #expect(reply.json["error"]?["fields"]?[field] != nil)
            }
            // Rumble down: 503, nothing stored.
            world.rumble.state.injectFault(status: 503, count: 1)
            let down = await world.post(path, company, ["channel": .string("https://rumble.com/c/\(name)"), "apiUrl": .string(apiURL)])
            #expect(down.status == 503 && down.json["error"]?["code"] == "rumble_unavailable")

            // The owner's URL, pasted as rumble.com shows it: checked once against the stand-in.
            let pasted = "https://rumble.com/-livestream-api/get-data?key=" + account.key
            let added = await world.post(path, company, ["channel": .string("rumble.com/c/\(name.uppercased())"), "apiUrl": .string(pasted)])
            #expect(added.status == 201, "\(added.json)")
            #expect(added.json["platform"] == "rumble" && added.json["channelId"] == .string(name) && added.json["url"] == .string("https://rumble.com/c/\(name)"))
            #expect(added.json["apiUrlHint"] == .string("https://rumble.com/-livestream-api/get-data?key=…" + account.key.suffix(4)))
            #expect(!JSONWriter.string(added.json).contains(account.key))
            let rowID = try #require(added.json["id"]?.stringValue)

            // Sealed at rest: no plaintext in the row, and it opens only for this row.
            let sealed = try #require(try TestServices.superuserQuery("SELECT api_url_sealed FROM creator_channels WHERE id = $1", [rowID])
                .first?["api_url_sealed"])
            #expect(sealed.hasPrefix("v1.") && !sealed.contains(account.key) && !sealed.contains("livestream"))
            #expect(try APIHarness.sealingKeys.openString(sealed, context: RumbleLivestreamKey.sealingContext(channelRowID: rowID))
                == "https://rumble.com/-livestream-api/get-data?key=" + account.key)
            #expect(throws: SecretSealingError.self) {
                try APIHarness.sealingKeys.openString(sealed, context: RumbleLivestreamKey.sealingContext(channelRowID: creator))
            }
            let audit = try Self.audits(company, "creator.channel_add")
            #expect(audit.count == 1 && audit.allSatisfy { !$0.contains(account.key) && !$0.contains(String(account.key.suffix(4)) + "\"") && !$0.contains("apiUrlHint") })

            // Listed with the hint only.
            let listed = await world.api.call("GET", "/api/creators", company: company, role: .viewer)
            #expect(!JSONWriter.string(listed.json).contains(account.key))
            let platforms = listed.json["data"]?.arrayValue?.first?["channels"]?.arrayValue?.map { $0["platform"] }
            #expect(platforms == ["youtube", "rumble"])
            // Audit rows of later changes to the creator carry its channels, never the hint.
            #expect(await world.api.call("PATCH", "/api/creators/\(creator)", company: company, role: .operator, body: ["notes": "n"]).status == 200)
            let updates = try Self.audits(company, "creator.update")
            #expect(updates.count == 1 && updates.allSatisfy { $0.contains("\"rumble\"") && !$0.contains("apiUrlHint") && !$0.contains(account.key) })

            // A refused key (reset by the owner): 422, nothing stored.
            let user = try world.rumble.state.addAccount(username: Self.unique("usr"))
            let userURL = user.apiURL(baseURL: world.rumbleURL)
            _ = try world.rumble.state.resetKey(id: user.id)
            let refused = await world.post(path, company, ["channel": .string("https://rumble.com/user/\(user.username)"), "apiUrl": .string(userURL)])
            #expect(refused.status == 404 && refused.json["error"]?["code"] == "api_key_rejected")
            // A user key for the user's page.
            let userAdded = await world.post(path, company, ["channel": .string("https://rumble.com/user/\(user.username)"),
                                                             "apiUrl": .string(world.rumble.state.account(id: user.id)!.apiURL(baseURL: world.rumbleURL))])
            #expect(userAdded.status == 201 && userAdded.json["url"] == .string("https://rumble.com/user/\(user.username)"), "\(userAdded.json)")
        }
    }

    // MARK: - Twitch and creators without it

    @Test func aCreatorWithoutTwitchGainsATwitchChannelOnce() async throws {
        try await Self.withWorld { world in
            let name = Self.unique("rum")
            let account = try world.rumbleAccount(name)
            let login = Self.unique("tw")
            let user = try world.twitch.state.addUser(login: login, displayName: "Twitch Person")
            let company = try TestServices.makeCompany()
            let creator = try await world.creator(company, named: "Person", channel: "https://rumble.com/c/\(name)",
                                                  apiURL: account.apiURL(baseURL: world.rumbleURL))

            // Editing and linking a Twitch-less creator.
            let patched = await world.api.call("PATCH", "/api/creators/\(creator)", company: company, role: .operator, body: ["notes": "no twitch yet"])
            #expect(patched.status == 200 && patched.json["notes"] == "no twitch yet" && patched.json["twitchUserId"] == .null)

            let added = await world.post("/api/creators/\(creator)/channels", company, ["channel": .string("https://www.twitch.tv/\(login.uppercased())")])
            #expect(added.status == 201, "\(added.json)")
            #expect(added.json["platform"] == "twitch" && added.json["channelId"] == .string(user.id) && added.json["handle"] == .string(login))
            let after = await world.api.call("GET", "/api/creators/\(creator)", company: company, role: .viewer)
            #expect(after.json["twitchUserId"] == .string(user.id) && after.json["login"] == .string(login))
            #expect(after.json["channels"]?.arrayValue?.map { $0["platform"] } == ["twitch", "rumble"])

            let second = try world.twitch.state.addUser(login: Self.unique("tw"))
            let again = await world.post("/api/creators/\(creator)/channels", company, ["channel": .string("twitch.tv/\(second.login)")])
            #expect(again.status == 409 && again.json["error"]?["code"] == "twitch_channel_exists")
            let unknown = await world.post("/api/creators", company, ["displayName": "Nobody", "channel": "https://twitch.tv/nobody_here_zz"])
            #expect(unknown.status == 404 && unknown.json["error"]?["code"] == "channel_not_found")
            // A Twitch creator by channel: the same identity as by login, so a second one is a 409.
            let byChannel = await world.post("/api/creators", company, ["displayName": "Dup", "channel": .string("https://www.twitch.tv/\(login)")])
            #expect(byChannel.status == 409)
            // The existing body still works unchanged.
            let byLogin = await world.post("/api/creators", company, ["login": .string(second.login)])
            #expect(byLogin.status == 201 && byLogin.json["channels"]?.arrayValue?.map { $0["platform"] } == ["twitch"])
            #expect(await world.post("/api/creators", company, ["login": .string(second.login), "channel": "@x"]).status == 422)

            // Removing a Twitch-less creator works and takes its channels along.
            let solo = try await world.creator(company, named: "Solo", channel: world.youTube.state.addChannel(handle: Self.unique("yt"), title: "Solo").id)
            #expect(await world.api.call("DELETE", "/api/creators/\(solo)", company: company, role: .operator).status == 204)
            #expect(try TestServices.superuserQuery("SELECT count(*) AS n FROM creator_channels WHERE creator_id = $1", [solo]).first!.requireInt64("n") == 0)
        }
    }

    /// Linking authorizes on Twitch: a creator without a Twitch channel gets a clear 409 from the
    /// API, and a link made before (state in hand) shows the creator a 409 page and tells the agency.
    @Test func linkingACreatorWithoutTwitchIsAClearConflict() async throws {
        let helix = HelixConfiguration(clientID: "client", clientSecret: "secret", apiBaseURL: "http://127.0.0.1:1/helix",
                                       authBaseURL: "http://127.0.0.1:1/oauth2")
        let tokens = CreatorTokens(keys: APIHarness.sealingKeys)
        let linking = CreatorLinking(linkBaseURL: "http://127.0.0.1:9/creator-link/", tokens: tokens,
                                     authorization: TwitchUserAuthorization(configuration: helix), logger: Self.quiet("link"))
        let api = try APIHarness(linking: linking)
        let company = try TestServices.makeCompany()
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        let creator = try connection.withTenantScope(companyId: company) {
            try connection.query("INSERT INTO creators (company_id, display_name, twitch_event_types) VALUES ($1, 'No Twitch', '{channel.follow}') RETURNING id::text AS id",
                                 [company]).first!.require("id")
        }
        let refused = await api.call("POST", "/api/creators/\(creator)/link", company: company, role: .admin)
        #expect(refused.status == 409 && refused.json["error"]?["code"] == "no_twitch_channel")

        let (state, _) = try connection.withTenantScope(companyId: company) {
            try LinkRequest.create(companyID: company, creatorID: creator, eventTypes: ["channel.follow"], scopes: ["moderator:read:followers"],
                                   requestedBy: nil, on: connection)
        }
        let pool = PostgresPool(url: try TestServices.databaseURL(), size: 1, logger: Self.quiet("link"))
        let function = CreatorLinkFunction(pool: pool, tokens: tokens, authorization: TwitchUserAuthorization(configuration: helix),
                                           redirectURI: "http://127.0.0.1:9/creator-link/callback", redis: nil)
        func get(_ path: String, _ query: String? = nil) async throws -> FunctionResponse {
            try await function.handle(FunctionRequest(method: "GET", path: path, query: query, headers: []),
                                      context: FunctionContext(requestID: "link", logger: Self.quiet("link")))
        }
        let page = try await get("/creator-link/\(state)")
        #expect(page.status == 409 && page.bodyText.contains("No Twitch channel"))
        let callback = try await get("/creator-link/callback", "state=\(state)&code=abc")
        #expect(callback.status == 409 && callback.bodyText.contains("No Twitch channel"))
        #expect(try Self.audits(company, "creator.link_failed").contains { $0.contains("no_twitch_channel") })
        await pool.shutdown()
        await api.shutdown()
    }

    // MARK: - Listing, deleting, isolation, roles

    @Test func listingShowsEveryPlatformsLiveStateInOrder() async throws {
        try await Self.withWorld { world in
            let company = try TestServices.makeCompany()
            let login = Self.unique("tw")
            let user = try world.twitch.state.addUser(login: login, displayName: "Tess")
            let youTube = try world.youTube.state.addChannel(handle: Self.unique("yt"), title: "Tess Tube")
            let name = Self.unique("rum")
            let account = try world.rumbleAccount(name)
            let quiet = try await world.creator(company, named: "Aaron Quiet", channel: world.youTube.state.addChannel(handle: Self.unique("yt"), title: "Q").id)
            let tess = try await world.creator(company, named: "Tess", channel: "https://rumble.com/c/\(name)", apiURL: account.apiURL(baseURL: world.rumbleURL))
            #expect(await world.post("/api/creators/\(tess)/channels", company, ["channel": .string(youTube.id)]).status == 201)
            #expect(await world.post("/api/creators/\(tess)/channels", company, ["channel": .string("https://twitch.tv/\(login)")]).status == 201)

            // Live on YouTube (as ingest leaves a channel row) and on Twitch (creator_status).
            _ = try TestServices.superuserQuery("""
                UPDATE creator_channels SET live = true, live_stream_id = 'vid12345678', title = 'On YouTube', viewer_count = 77,
                       started_at = '2030-01-02T03:04:05Z', live_changed_at = now()
                WHERE creator_id = $1 AND platform = 'youtube'
                """, [tess])
            _ = try TestServices.superuserQuery("""
                INSERT INTO creator_status (creator_id, company_id, live, title, viewer_count, started_at, live_changed_at)
                VALUES ($1, $2, true, 'On Twitch', 5, '2030-01-02T03:00:00Z', now())
                """, [tess, company])

            let list = await world.api.call("GET", "/api/creators", company: company, role: .viewer)
            #expect(list.status == 200)
            let creators = try #require(list.json["data"]?.arrayValue)
            #expect(creators.map { $0["id"] } == [.string(tess), .string(quiet)], "live first, whatever the name")
            let channels = try #require(creators.first?["channels"]?.arrayValue)
            #expect(channels.map { $0["platform"] } == ["twitch", "youtube", "rumble"])
            for channel in channels {
                for field in ["id", "platform", "channelId", "handle", "displayName", "url", "live", "title", "viewerCount", "startedAt", "liveStreamId"] {
                    #expect(channel[field] != nil, "\(field) missing in \(channel)")
                }
            }
            #expect(channels[0]["channelId"] == .string(user.id) && channels[0]["live"] == true && channels[0]["title"] == "On Twitch"
                    && channels[0]["viewerCount"] == .int(5) && channels[0]["startedAt"] == "2030-01-02T03:00:00.000000Z" && channels[0]["liveStreamId"] == .null)
            #expect(channels[1]["live"] == true && channels[1]["title"] == "On YouTube" && channels[1]["viewerCount"] == .int(77)
                    && channels[1]["liveStreamId"] == "vid12345678" && channels[1]["startedAt"] == "2030-01-02T03:04:05.000000Z")
            #expect(channels[2]["live"] == false && channels[2]["viewerCount"] == .int(0) && channels[2]["apiUrlHint"]?.stringValue != nil)
            #expect(creators.first?["status"]?["live"] == true)
        }
    }

    @Test func deleteRulesIsolationRolesAndAudit() async throws {
        try await Self.withWorld { world in
            let a = try TestServices.makeCompany(), b = try TestServices.makeCompany()
            let login = Self.unique("tw")
            _ = try world.twitch.state.addUser(login: login)
            let youTube = try world.youTube.state.addChannel(handle: Self.unique("yt"), title: "Shared Channel")

            // Roles: a viewer cannot add; an operator and a key with creators:write can.
            let creator = try await world.creator(a, named: "Tracked twice", channel: "https://www.twitch.tv/\(login)")
            let viewer = await world.post("/api/creators/\(creator)/channels", a, ["channel": .string(youTube.id)], role: .viewer)
            #expect(viewer.status == 403)
            let owner = APIHarness.token(company: a, role: .owner)
            let key = await world.api.call("POST", "/api/keys", token: owner, body: ["name": "provisioning", "scopes": ["creators:write", "creators:read"]])
            let apiKey = try #require(key.json["key"]?.stringValue)
            let byKey = await world.api.call("POST", "/api/creators/\(creator)/channels", token: apiKey, body: ["channel": .string(youTube.id)])
            #expect(byKey.status == 201, "\(byKey.json)")
            let readOnly = await world.api.call("POST", "/api/keys", token: owner, body: ["name": "reader", "scopes": ["creators:read"]])
            let readKey = try #require(readOnly.json["key"]?.stringValue)
            let youTubeRow = try #require(byKey.json["id"]?.stringValue)
            #expect(await world.api.call("DELETE", "/api/creators/\(creator)/channels/\(youTubeRow)", token: readKey).status == 403)

            // Another company tracks the same YouTube channel on its own.
            let other = try await world.creator(b, named: "Theirs", channel: "@" + youTube.handle)
            let listB = await world.api.call("GET", "/api/creators", company: b, role: .viewer)
            #expect(listB.json["data"]?.arrayValue?.map { $0["id"] } == [.string(other)])
            #expect(await world.api.call("DELETE", "/api/creators/\(creator)/channels/\(youTubeRow)", company: b, role: .owner).status == 404)
            #expect(await world.post("/api/creators/\(creator)/channels", b, ["channel": "@whoever"]).status == 404)
            let unknown = await world.post("/api/creators/00000000-0000-4000-8000-00000000abcd/channels", a, ["channel": .string(youTube.id)])
            #expect(unknown.status == 404)

            // Delete rules: the Twitch channel goes only with the creator; others are removed, audited.
            let channels = await world.api.call("GET", "/api/creators/\(creator)", company: a, role: .viewer).json["channels"]?.arrayValue ?? []
            let twitchRow = try #require(channels.first { $0["platform"] == "twitch" }?["id"]?.stringValue)
            let twitchDelete = await world.api.call("DELETE", "/api/creators/\(creator)/channels/\(twitchRow)", company: a, role: .operator)
            #expect(twitchDelete.status == 409 && twitchDelete.json["error"]?["code"] == "twitch_channel_is_identity")
            #expect(twitchDelete.json["error"]?["message"]?.stringValue?.contains("DELETE /api/creators/{id}") == true)
            let otherRow = try #require(listB.json["data"]?.arrayValue?.first?["channels"]?.arrayValue?.first?["id"]?.stringValue)
            #expect(await world.api.call("DELETE", "/api/creators/\(creator)/channels/\(otherRow)", company: a, role: .operator).status == 404)
            #expect(await world.api.call("DELETE", "/api/creators/\(creator)/channels/not-a-uuid", company: a, role: .operator).status == 404)
            #expect(await world.api.call("DELETE", "/api/creators/\(creator)/channels/\(youTubeRow)", company: a, role: .viewer).status == 403)
            #expect(await world.api.call("DELETE", "/api/creators/\(creator)/channels/\(youTubeRow)", company: a, role: .operator).status == 204)
            #expect(await world.api.call("DELETE", "/api/creators/\(creator)/channels/\(youTubeRow)", company: a, role: .operator).status == 404)
            let after = await world.api.call("GET", "/api/creators/\(creator)", company: a, role: .viewer)
            #expect(after.json["channels"]?.arrayValue?.map { $0["platform"] } == ["twitch"])
            #expect(try Self.audits(a, "creator.channel_remove").count == 1)
            #expect(try Self.audits(a, "creator.channel_add").count == 1)
            let actor = try TestServices.superuserQuery("SELECT actor_role FROM audit_logs WHERE company_id = $1 AND action = 'creator.channel_add'", [a])
            #expect(actor.first?["actor_role"] == "api_key")
            // B's row is untouched.
            #expect(await world.api.call("GET", "/api/creators/\(other)", company: b, role: .viewer).json["channels"]?.arrayValue?.count == 1)
        }
    }
}
