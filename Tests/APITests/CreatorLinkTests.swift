import AsyncHTTPClient
import API
import AccessTokens
import BlockingIO
import CreatorLink
import CreatorLinks
import Creators
import FunctionRuntime
import FunctionServer
import JSONValue
import Logging
import NIOCore
import NIOHTTP1
import Postgres
import Redis
import SecretSealing
import TestSupport
import Testing
import TwitchAPI
import TwitchStandIn
import TwitchTokenRefresh
import URLEncoding

/// Creator linking end to end in one process, against the real Postgres and Redis of the run and
/// the Twitch stand-in over HTTP: the creators API hands out a link, the link function shows the
/// consent page and takes Twitch's callback, tokens are stored sealed, refreshed, resealed,
/// revoked. Every refusal stores nothing and tells the agency why.
@Suite(.serialized) struct CreatorLinkTests {
    static let redirect = "http://127.0.0.1:9/creator-link/callback"

    struct Fixture {
        let standIn: TwitchStandInServer
        let standInURL: String
        let api: APIHarness
        let linkFunction: CreatorLinkFunction
        let tokens: CreatorTokens
        /// The bytes of `tokens`' only key (id t1), for a ring that rotates to a new key.
        let keyBytes: [UInt8]
        let authorization: TwitchUserAuthorization
        let pool: PostgresPool
        let redis: RedisClient
        let company: String
        let creator: String
        let twitchUserID: String
        let login: String
        let http: HTTPClient

        func callLink(_ pathAndQuery: String) async -> FunctionResponse {
            let parts = pathAndQuery.split(separator: "?", maxSplits: 1)
            let request = FunctionRequest(method: "GET", path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : nil,
                                          headers: [("user-agent", "link-tests")])
            do { return try await linkFunction.handle(request, context: FunctionContext(requestID: "test", logger: Logger(label: "link"))) } catch {
                Issue.record("link function threw \(error)")
                return FunctionResponse(status: 599)
            }
        }

        /// A stand-in request without following redirects: (status, location, body).
        func standInRequest(_ method: String, _ url: String, json: JSONValue? = nil, form: String? = nil,
                            headers: [(String, String)] = []) async throws -> (Int, String?, JSONValue) {
            var request = HTTPClientRequest(url: url.hasPrefix("http") ? url : standInURL + url)
            request.method = .init(rawValue: method)
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let json {
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: JSONWriter.string(json)))
            }
            if let form {
                request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: form))
            }
            let response = try await http.execute(request, timeout: .seconds(10))
            var body = try await response.body.collect(upTo: 1 << 20)
            let bytes = body.readBytes(length: body.readableBytes) ?? []
            return (Int(response.status.code), response.headers.first(name: "location"), (try? JSONParser.parse(bytes)) ?? .null)
        }

        func autoApprove(as userID: String?, decision: String = "approve") async throws {
            let body: JSONValue = userID.map { ["user_id": .string($0), "decision": .string(decision)] } ?? ["decision": .null]
            let (status, _, _) = try await standInRequest("POST", "/_stand-in/oauth/auto-approve", json: body)
            #expect(status == 200 || status == 204)
        }

        /// Asks the API for a link (as an admin) and returns its state.
        func requestLink() async throws -> (state: String, reply: JSONValue) {
            let reply = await api.call("POST", "/api/creators/\(creator)/link", company: company, role: .admin)
            #expect(reply.status == 201, "\(reply.json)")
            let url = try #require(reply.json["url"]?.stringValue)
            return (String(url.split(separator: "/").last ?? ""), reply.json)
        }

        /// The consent page's Twitch URL for a state, then Twitch's redirect back (auto-approved).
        func authorizeAtTwitch(state: String) async throws -> String {
            let page = await callLink("/creator-link/\(state)")
            #expect(page.status == 200)
            let html = page.bodyText
            let start = try #require(html.firstRange(of: "id=\"authorize\" href=\""))
            let rest = html[start.upperBound...]
            let href = String(rest[..<rest.firstIndex(of: "\"")!]).replacing("&amp;", with: "&")
            #expect(href.hasPrefix(standInURL + "/oauth2/authorize?"))
            let (status, location, _) = try await standInRequest("GET", href)
            #expect(status == 302)
            let back = try #require(location)
            #expect(back.hasPrefix(CreatorLinkTests.redirect + "?"))
            return String(back.dropFirst(CreatorLinkTests.redirect.count - "/creator-link/callback".count))
        }

        /// A whole link as the creator would do it; returns the callback's page.
        func link() async throws -> FunctionResponse {
            try await autoApprove(as: twitchUserID)
            let (state, _) = try await requestLink()
            return await callLink(try await authorizeAtTwitch(state: state))
        }

        func linkRow() throws -> QueryResult.Row? {
            try TestServices.superuserQuery("""
                SELECT status, scopes, authorized_types, access_token, refresh_token, problem, row_to_json(l)::text AS whole
                FROM creator_links l WHERE creator_id = $1
                """, [creator]).first
        }

        func audits(_ action: String) throws -> [JSONValue] {
            try TestServices.superuserQuery("SELECT after::text AS after FROM audit_logs WHERE company_id = $1 AND action = $2 ORDER BY id",
                                            [company, action]).rows.map { try JSONParser.parse($0["after"] ?? "null") }
        }

        func validate(_ token: String) async throws -> Int {
            try await standInRequest("GET", "/oauth2/validate", headers: [("authorization", "OAuth \(token)")]).0
        }
    }

    static func withFixture(companyName: String = "Test Agency", _ body: (Fixture) async throws -> Void) async throws {
        var configuration = StandInConfiguration()
        configuration.redirectURIs = [redirect]
        let server = TwitchStandInServer(configuration: configuration, logger: Logger(label: "stand-in"))
        try await server.withRunning { port in
            let standInURL = "http://127.0.0.1:\(port)"
            let helix = HelixConfiguration(clientID: configuration.clientID, clientSecret: configuration.clientSecret,
                                           apiBaseURL: standInURL + "/helix", authBaseURL: standInURL + "/oauth2")
            let authorization = TwitchUserAuthorization(configuration: helix)
            var generator = SystemRandomNumberGenerator()
            let keyBytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let keys = try SealingKeyRing([(id: "t1", key: keyBytes)])
            let tokens = CreatorTokens(keys: keys)
            let logger = Logger(label: "link-tests")
            let pool = PostgresPool(url: try TestServices.databaseURL(), size: 2, logger: logger)
            let redis = RedisClient(url: try TestServices.redisURL(), size: 1, logger: logger)
            let linking = CreatorLinking(linkBaseURL: "http://127.0.0.1:9/creator-link/", tokens: tokens, authorization: authorization, logger: logger)
            let api = try APIHarness(linking: linking)
            let company = try TestServices.makeCompany(companyName)
            let twitchUserID = TestServices.uniqueTwitchUserID(), login = "linkme\(twitchUserID.suffix(5))"
            let creator = try TestServices.addCreator(company: company, twitchUserID: twitchUserID, login: login, linked: false)
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
            let fixture = Fixture(
                standIn: server, standInURL: standInURL, api: api,
                linkFunction: CreatorLinkFunction(pool: pool, tokens: tokens, authorization: authorization, redirectURI: redirect, redis: redis),
                tokens: tokens, keyBytes: keyBytes, authorization: authorization, pool: pool, redis: redis, company: company, creator: creator,
                twitchUserID: twitchUserID, login: login, http: http)
            let (status, _, _) = try await fixture.standInRequest("POST", "/_stand-in/users", json: [
                "users": [["id": .string(twitchUserID), "login": .string(login)], ["id": "99887766", "login": "someone_else"]]])
            #expect(status == 200 || status == 201 || status == 204)
            do {
                try await body(fixture)
            } catch {
                try? await http.shutdown()
                await api.shutdown(); await pool.shutdown(); await redis.shutdown()
                throw error
            }
            try await http.shutdown()
            await api.shutdown(); await pool.shutdown(); await redis.shutdown()
        }
    }

    @Test func aCreatorLinksThroughTheLinkAndTokensAreStoredSealedOnly() async throws {
        try await Self.withFixture(companyName: "Agency <b>&\"x\"") { f in
            // Only owners and admins hand out links.
            #expect(await f.api.call("POST", "/api/creators/\(f.creator)/link", company: f.company, role: .operator).status == 403)
            try await f.autoApprove(as: f.twitchUserID)
            let (state, reply) = try await f.requestLink()
            #expect(reply["scopes"] == ["bits:read", "channel:read:hype_train", "channel:read:subscriptions", "moderator:read:followers"])
            #expect(reply["expiresAt"]?.stringValue?.hasSuffix("Z") == true)
            #expect(LinkState.isWellFormed(state))

            // The consent page names the agency (escaped) and what it asks for.
            let page = await f.callLink("/creator-link/\(state)")
            #expect(page.status == 200)
            #expect(page.header("content-security-policy")?.contains("default-src 'none'") == true)
            #expect(page.bodyText.contains("Agency &lt;b&gt;&amp;&quot;x&quot;"))
            #expect(!page.bodyText.contains("<b>&"))
            #expect(page.bodyText.contains("moderator:read:followers"))
            // Reading the page does not use the link up.
            #expect(await f.callLink("/creator-link/\(state)").status == 200)

            let callback = try await f.authorizeAtTwitch(state: state)
            let done = await f.callLink(callback)
            #expect(done.status == 200, "\(done.bodyText)")
            #expect(done.bodyText.contains("data-outcome=\"linked\""))

            let row = try #require(try f.linkRow())
            #expect(row["status"] == "linked")
            #expect(PostgresArray.parse(row["scopes"] ?? "{}").sorted() == ["bits:read", "channel:read:hype_train", "channel:read:subscriptions", "moderator:read:followers"])
            #expect(PostgresArray.parse(row["authorized_types"] ?? "{}").contains("channel.follow"))
            // Read as the database's superuser: sealed values only. The plaintext (opened with the
            // key) is a live token at Twitch, and appears in no stored row.
            let link = try #require(try await f.pool.transaction { connection -> CreatorLink? in
                try connection.setTenant(f.company)
                return try CreatorLink.load(creatorID: f.creator, on: connection)
            })
            let access = try #require(try f.tokens.openAccess(link)), refresh = try #require(try f.tokens.openRefresh(link))
            #expect(try await f.validate(access) == 200)
            for table in ["creator_links", "creator_link_requests", "audit_logs", "events"] {
                let dump = try TestServices.superuserQuery("SELECT coalesce(string_agg(row_to_json(t)::text, ''), '') AS all FROM \(table) t").first?["all"] ?? ""
                #expect(!dump.contains(access) && !dump.contains(refresh), "plaintext token in \(table)")
            }
            #expect(row["access_token"]?.hasPrefix("v1.t1.") == true)

            #expect(try f.audits("creator.link_requested").count == 1)
            let audit = try #require(try f.audits("creator.link").first)
            #expect(audit["twitchUserId"]?.stringValue == f.twitchUserID && audit["login"]?.stringValue == f.login)
            let shown = await f.api.call("GET", "/api/creators/\(f.creator)", company: f.company, role: .viewer)
            #expect(shown.json["twitch"]?["status"] == "linked" && shown.json["twitch"]?["needsRelink"] == false)

            // The renewal for this creator was asked for at once.
            let queued = try await f.redis.withConnection { try $0.command(["XRANGE", "jobs:subscription-renewal", "-", "+"]) }
            func strings(_ reply: RedisReply) -> [String] { reply.array.map { $0.flatMap(strings) } ?? [reply.string].compactMap { $0 } }
            #expect(strings(queued).contains { $0.contains("\"twitchUserIds\":[\"\(f.twitchUserID)\"]") })

            // The same callback again: the state is spent. Nothing changes but one audit row.
            let replay = await f.callLink(callback)
            #expect(replay.status == 410 && replay.bodyText.contains("data-outcome=\"used\""))
            #expect(try f.linkRow()?["access_token"] == row["access_token"])
            #expect(try f.audits("creator.link_failed").map { $0["reason"]?.stringValue } == ["replayed"])
        }
    }

    @Test func refusedLinksStoreNothingAndTellTheAgency() async throws {
        try await Self.withFixture { f in
            // A state we never issued: a page, nothing for any agency.
            #expect(await f.callLink("/creator-link/callback?state=\(LinkState.generate())&code=x").status == 404)
            #expect(await f.callLink("/creator-link/callback").status == 404)
            #expect(await f.callLink("/creator-link/\(LinkState.generate())").status == 404)
            #expect(await f.callLink("/creator-link/not-a-state").status == 404)

            // Expired.
            try await f.autoApprove(as: f.twitchUserID)
            let expired = try await f.requestLink().state
            let expiredCallback = try await f.authorizeAtTwitch(state: expired)
            _ = try TestServices.superuserQuery("UPDATE creator_link_requests SET expires_at = now() - interval '1 second' WHERE company_id = $1", [f.company])
            #expect(await f.callLink("/creator-link/\(expired)").status == 410)
            let late = await f.callLink(expiredCallback)
            #expect(late.status == 410 && late.bodyText.contains("data-outcome=\"expired\""))

            // Declined on Twitch.
            try await f.autoApprove(as: f.twitchUserID, decision: "deny")
            let declinedCallback = try await f.authorizeAtTwitch(state: try await f.requestLink().state)
            #expect(declinedCallback.contains("error=access_denied"))
            let declined = await f.callLink(declinedCallback)
            #expect(declined.bodyText.contains("data-outcome=\"declined\""))

            // Signed in to Twitch as someone else: refused, and that token revoked at Twitch.
            try await f.autoApprove(as: "99887766")
            let wrong = await f.callLink(try await f.authorizeAtTwitch(state: try await f.requestLink().state))
            #expect(wrong.status == 403 && wrong.bodyText.contains("someone_else"))
            let other = try await f.standInRequest("GET", "/_stand-in/users/99887766/authorization")
            #expect(other.2["activeAccessTokens"]?.int64Value == 0)

            // A code used once (by a successful link) presented again with a fresh state.
            try await f.autoApprove(as: f.twitchUserID)
            let good = try await f.authorizeAtTwitch(state: try await f.requestLink().state)
            let code = try #require(QueryItems(String(good.split(separator: "?")[1])).first("code"))
            _ = try TestServices.superuserQuery("DELETE FROM creator_links WHERE creator_id = $1", [f.creator])
            #expect(try f.linkRow() == nil)
            #expect(await f.callLink(good).status == 200)
            _ = try TestServices.superuserQuery("DELETE FROM creator_links WHERE creator_id = $1", [f.creator])
            let fresh = try await f.requestLink().state
            let replayedCode = await f.callLink("/creator-link/callback?code=\(code)&state=\(fresh)")
            #expect(replayedCode.status == 400 && replayedCode.bodyText.contains("data-outcome=\"code_rejected\""))

            #expect(try f.linkRow() == nil, "a refused link stored something")
            #expect(try f.audits("creator.link_failed").compactMap { $0["reason"]?.stringValue }
                    == ["expired", "declined", "wrong_account", "code_rejected"])
            #expect(try f.audits("creator.link_failed").first { $0["reason"] == "wrong_account" }?["signedInAs"]?.stringValue == "someone_else")
        }
    }

    @Test func tokensAreRefreshedResealedAndALostRefreshTokenAsksForRelinking() async throws {
        try await Self.withFixture { f in
            #expect(try await f.link().status == 200)
            let refresher = TokenRefresher(pool: f.pool, tokens: f.tokens, authorization: f.authorization, redis: f.redis,
                                           logger: Logger(label: "refresh"))
            let before = try #require(try f.linkRow())

            // Close to expiry: refreshed, the new pair stored sealed, the new access token live.
            _ = try TestServices.superuserQuery("UPDATE creator_links SET access_expires_at = now() + interval '60 seconds' WHERE creator_id = $1", [f.creator])
            _ = try await refresher.run()
            let refreshed = try #require(try f.linkRow())
            #expect(refreshed["status"] == "linked")
            #expect(refreshed["access_token"] != before["access_token"] && refreshed["refresh_token"] != before["refresh_token"])
            let link = try #require(try await f.pool.transaction { connection -> CreatorLink? in
                try connection.setTenant(f.company)
                return try CreatorLink.load(creatorID: f.creator, on: connection)
            })
            let access = try #require(try f.tokens.openAccess(link))
            #expect(try await f.validate(access) == 200)
            #expect((link.accessExpiresInSeconds ?? 0) > 3_600)

            // Not validated for two hours: validated (Twitch's hourly rule), nothing else changes.
            _ = try TestServices.superuserQuery("UPDATE creator_links SET validated_at = now() - interval '2 hours' WHERE creator_id = $1", [f.creator])
            _ = try await refresher.run()
            let validated = try #require(try f.linkRow())
            #expect(validated["access_token"] == refreshed["access_token"])
            #expect(try TestServices.superuserQuery("SELECT validated_at > now() - interval '1 minute' AS fresh FROM creator_links WHERE creator_id = $1",
                                                    [f.creator]).first?.bool("fresh") == true)

            // Key rotation: a new key first, the old one still opens; resealing moves every token.
            var generator = SystemRandomNumberGenerator()
            let newKey = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let rotated = CreatorTokens(keys: try SealingKeyRing([(id: "t2", key: newKey), (id: "t1", key: f.keyBytes)]))
            let resealConnection = try PostgresConnection(url: try TestServices.databaseURL())
            let report = try TokenResealing.run(tokens: rotated, on: resealConnection)
            #expect(report.resealed >= 1)
            let resealed = try #require(try f.linkRow())
            #expect(resealed["access_token"]?.hasPrefix("v1.t2.") == true && resealed["refresh_token"]?.hasPrefix("v1.t2.") == true)
            let reopened = try #require(try await f.pool.transaction { connection -> CreatorLink? in
                try connection.setTenant(f.company)
                return try CreatorLink.load(creatorID: f.creator, on: connection)
            })
            #expect(try rotated.openAccess(reopened) == access)

            // More event types than granted: shown as missing scopes, relink needed.
            let patched = await f.api.call("PATCH", "/api/creators/\(f.creator)", company: f.company, role: .operator,
                                           body: ["eventTypes": ["channel.follow", "channel.chat.message"]])
            #expect(patched.status == 200, "\(patched.json)")
            #expect(patched.json["twitch"]?["missingScopes"] == ["channel:bot", "user:bot", "user:read:chat"])
            #expect(patched.json["twitch"]?["authorizedTypes"] == ["channel.follow"])
            #expect(patched.json["twitch"]?["needsRelink"] == true)
            #expect(await f.api.call("PATCH", "/api/creators/\(f.creator)", company: f.company, role: .operator,
                                     body: ["eventTypes": ["channel.nope"]]).status == 422)
            // With nothing that needs authorization enabled, a link has nothing to ask for.
            #expect(await f.api.call("PATCH", "/api/creators/\(f.creator)", company: f.company, role: .operator,
                                     body: ["eventTypes": []]).status == 200)
            let nothing = await f.api.call("POST", "/api/creators/\(f.creator)/link", company: f.company, role: .admin)
            #expect(nothing.status == 409 && nothing.json["error"]?["code"] == "conflict")
            #expect(await f.api.call("PATCH", "/api/creators/\(f.creator)", company: f.company, role: .operator,
                                     body: ["eventTypes": ["channel.follow", "channel.chat.message"]]).status == 200)

            // The creator changed their password on Twitch: refresh refused → needs relinking.
            #expect(try await f.standInRequest("POST", "/_stand-in/users/\(f.twitchUserID)/invalidate-tokens").0 < 300)
            _ = try TestServices.superuserQuery("UPDATE creator_links SET access_expires_at = now() + interval '60 seconds' WHERE creator_id = $1", [f.creator])
            // The refresher holds the rotated ring now (the old key is gone after resealing).
            let rotatedRefresher = TokenRefresher(pool: f.pool, tokens: rotated, authorization: f.authorization, redis: f.redis, logger: Logger(label: "refresh"))
            _ = try await rotatedRefresher.run()
            let lost = try #require(try f.linkRow())
            #expect(lost["status"] == "needs_relink" && lost["access_token"] == nil && lost["refresh_token"] == nil)
            #expect(try f.audits("creator.link_lost").count == 1)
            let shown = await f.api.call("GET", "/api/creators/\(f.creator)", company: f.company, role: .viewer)
            #expect(shown.json["twitch"]?["status"] == "needs_relink" && shown.json["twitch"]?["needsRelink"] == true)
            #expect(shown.json["twitch"]?["problem"]?.stringValue?.isEmpty == false)
        }
    }

    @Test func unlinkRevokesTheTokenAtTwitch() async throws {
        try await Self.withFixture { f in
            #expect(try await f.link().status == 200)
            let link = try #require(try await f.pool.transaction { connection -> CreatorLink? in
                try connection.setTenant(f.company)
                return try CreatorLink.load(creatorID: f.creator, on: connection)
            })
            let access = try #require(try f.tokens.openAccess(link))
            #expect(await f.api.call("DELETE", "/api/creators/\(f.creator)/link", company: f.company, role: .operator).status == 403)
            let unlinked = await f.api.call("DELETE", "/api/creators/\(f.creator)/link", company: f.company, role: .admin)
            #expect(unlinked.status == 200 && unlinked.json["revokedAtTwitch"] == true)
            #expect(try await f.validate(access) == 401)
            #expect(try f.linkRow() == nil)
            #expect(try f.audits("creator.unlink").first?["revokedAtTwitch"] == true)
            #expect(await f.api.call("DELETE", "/api/creators/\(f.creator)/link", company: f.company, role: .admin).status == 404)
            let shown = await f.api.call("GET", "/api/creators/\(f.creator)", company: f.company, role: .viewer)
            #expect(shown.json["twitch"]?["status"] == "unlinked")
        }
    }
}
