import JSONValue
import BlockingIO
import Testing
import TwitchAPI
import TwitchStandIn

@Suite struct AppTokenTests {
    @Test func concurrentCallersShareOneFetchAndTheTokenIsCached() async throws {
        try await withStandIn { standIn in
            let client = standIn.makeClient()
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await client.tokens.token() } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1)
            #expect(standIn.state.tokensIssued == 1)
            #expect(await client.tokens.fetchCount == 1)
            _ = try await client.users(logins: ["cached_a"])
            _ = try await client.users(logins: ["cached_b"])
            #expect(standIn.state.tokensIssued == 1)
            #expect(try await client.tokens.validate() > 5_000_000)
        }
    }

    /// A token living 2 s is reused for half its life (margin min(60 s, lifetime / 2)), then replaced.
    @Test func tokenIsRefreshedBeforeItExpires() async throws {
        try await withStandIn(StandInConfiguration(tokenLifetimeSeconds: 2)) { standIn in
            let client = standIn.makeClient()
            let first = try await client.tokens.token()
            #expect(try await client.tokens.token() == first)
            try await Task.sleep(nanoseconds: 1_200_000_000)
            let second = try await client.tokens.token()
            #expect(second != first)
            #expect(standIn.state.tokensIssued == 2)
            _ = try await client.users(logins: ["after_refresh"])
            #expect(standIn.state.tokensIssued == 2)
        }
    }

    /// A token that Twitch stopped accepting (revoked, expired early) costs one 401: the client
    /// fetches a new token and repeats the request once.
    @Test func unauthorizedInvalidatesTheTokenAndRetriesOnce() async throws {
        try await withStandIn { standIn in
            let client = standIn.makeClient()
            _ = try await client.users(logins: ["retry_user"])
            standIn.state.revokeAllTokens()
            let users = try await client.users(logins: ["retry_user"])
            #expect(users.map(\.login) == ["retry_user"])
            #expect(standIn.state.tokensIssued == 2)
            #expect(standIn.state.helixRequestCount(path: "/helix/users") == 2)

            // validate() reports a rejected token and drops it, so the next call fetches a new one.
            standIn.state.revokeAllTokens()
            await #expect(throws: HelixError.unauthorized("invalid access token")) { _ = try await client.tokens.validate() }
            _ = try await client.tokens.token()
            #expect(standIn.state.tokensIssued == 3)
        }
    }

    @Test func wrongCredentialsAreRefusedLikeTwitch() async throws {
        try await withStandIn { standIn in
            let wrongSecret = standIn.makeClient(clientSecret: "not-the-secret")
            await #expect(throws: HelixError.authenticationFailed(status: 403, message: "invalid client secret")) {
                _ = try await wrongSecret.users(logins: ["anyone"])
            }
            let wrongID = HelixClient(configuration: standIn.helixConfiguration(clientID: "someone-else"))
            await #expect(throws: HelixError.authenticationFailed(status: 400, message: "invalid client")) {
                _ = try await wrongID.tokens.token()
            }
            #expect(standIn.state.tokensIssued == 0)

            let wrongGrant = try await standIn.raw("POST", "/oauth2/token?client_id=local-client-id&client_secret=local-client-secret&grant_type=password")
            #expect(wrongGrant.status == 400)
            let token = try await standIn.raw("POST", "/oauth2/token?client_id=local-client-id&client_secret=local-client-secret&grant_type=client_credentials")
            #expect(token.status == 200)
            #expect(token.json["token_type"] == "bearer")
            #expect(token.json["expires_in"]?.int64Value == Int64(standIn.server.configuration.tokenLifetimeSeconds))
            let accessToken = try #require(token.json["access_token"]?.stringValue)
            let validation = try await standIn.raw("GET", "/oauth2/validate", headers: [("Authorization", "OAuth " + accessToken)])
            #expect(validation.status == 200)
            #expect(validation.json["client_id"] == "local-client-id")
            let invalid = try await standIn.raw("GET", "/oauth2/validate", headers: [("Authorization", "OAuth nope")])
            #expect(invalid.status == 401)
            #expect(invalid.json == ["status": 401, "message": "invalid access token"])
        }
    }

    @Test func helixWithoutTokenOrClientIDIsUnauthorized() async throws {
        try await withStandIn { standIn in
            let missing = try await standIn.raw("GET", "/helix/users?login=someone")
            #expect(missing.status == 401)
            #expect(missing.json == ["error": "Unauthorized", "status": 401, "message": "OAuth token is missing"])
            #expect(missing.headers["ratelimit-limit"] == "800")

            let invalid = try await standIn.raw("GET", "/helix/users?login=someone",
                                                headers: [("Authorization", "Bearer invalid"), ("Client-Id", "local-client-id")])
            #expect(invalid.status == 401)
            #expect(invalid.json["message"] == "Invalid OAuth token")

            let token = try await standIn.accessToken()
            let noClient = try await standIn.raw("GET", "/helix/users?login=someone", headers: [("Authorization", "Bearer " + token)])
            #expect(noClient.status == 401)
            #expect(noClient.json["error"] == "Unauthorized")
            let otherClient = try await standIn.raw("GET", "/helix/users?login=someone",
                                                    headers: [("Authorization", "Bearer " + token), ("Client-Id", "other")])
            #expect(otherClient.status == 401)
            #expect(standIn.state.helixRequestCount(path: "/helix/users") == 0)

            let ok = try await standIn.raw("GET", "/helix/users?login=someone",
                                           headers: [("Authorization", "Bearer " + token), ("Client-Id", "local-client-id")])
            #expect(ok.status == 200)
        }
    }
}

@Suite struct RateLimitTests {
    @Test func emptyBucketIsRateLimitedWithReset() async throws {
        try await withStandIn(StandInConfiguration(rateLimitPointsPerMinute: 5)) { standIn in
            let client = standIn.makeClient()
            for index in 0..<5 { _ = try await client.users(ids: [String(index + 1)]) }
            let now = Int64(wallClockSeconds())
            do {
                _ = try await client.users(ids: ["9"])
                Issue.record("the sixth request within a minute should be rate limited")
            } catch let error as HelixError {
                guard case .rateLimited(let resetAt, let message) = error else {
                    Issue.record("expected rateLimited, got \(error)")
                    return
                }
                let reset = try #require(resetAt)
                // 5 points per minute: one point refills every 12 s, the whole bucket within a minute.
                #expect(reset > now && reset <= now + 61)
                #expect(message.contains("Too Many Requests"))
            }
            let seen = try #require(client.lastRateLimit)
            #expect(seen.limit == 5)
            #expect(seen.remaining == 0)

            let raw = try await standIn.raw("GET", "/helix/users?id=1", headers: try await standIn.authorizedHeaders())
            #expect(raw.status == 429)
            #expect(raw.json["error"] == "Too Many Requests")
            #expect(raw.json["status"] == 429)
            #expect(raw.headers["ratelimit-remaining"] == "0")
            #expect(raw.headers["ratelimit-reset"].flatMap { Int64($0) } ?? 0 > now)
        }
    }

    @Test func headersCountDown() async throws {
        // A small bucket (60 points a minute: one back per second) so refills cannot hide the count.
        try await withStandIn(StandInConfiguration(rateLimitPointsPerMinute: 60)) { standIn in
            let client = standIn.makeClient()
            let started = wallClockSeconds()
            _ = try await client.users(ids: ["1"])
            let first = try #require(client.lastRateLimit)
            for _ in 0..<10 { _ = try await client.users(ids: ["1"]) }
            let later = try #require(client.lastRateLimit)
            let refilled = Int(wallClockSeconds() - started) + 1
            #expect(first.limit == 60)
            #expect(first.remaining == 59)
            #expect(later.remaining <= first.remaining - 10 + refilled)
            #expect(later.remaining < first.remaining)
        }
    }
}
