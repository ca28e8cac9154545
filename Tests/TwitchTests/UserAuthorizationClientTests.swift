import Settings
import Testing
import TwitchAPI
import URLEncoding

/// The user authorization client's server-free parts: the consent URL, reading Twitch's answers
/// and what each status means per endpoint. The calls themselves run against the stand-in
/// elsewhere.
@Suite struct UserAuthorizationClientTests {
    static let configuration = HelixConfiguration(clientID: "client id/1", clientSecret: "client-secret-value")

    static func query(_ url: String) throws -> QueryItems {
        let question = try #require(url.firstIndex(of: "?"))
        return QueryItems(String(url[url.index(after: question)...]))
    }

    @Test func theAuthorizationURLCarriesEveryParameterEncoded() throws {
        let client = TwitchUserAuthorization(configuration: Self.configuration)
        let url = client.authorizationURL(
            scopes: ["moderator:read:followers", "channel:read:subscriptions", "bits:read"],
            state: "s+t/a=t&e?#", redirectURI: "https://ccr.example/api/twitch/callback?x=1&y=2")
        #expect(url.hasPrefix("https://id.twitch.tv/oauth2/authorize?"))
        // Exactly as sent: RFC 3986 encoding, spaces as %20, nothing left raw that could split the query.
        #expect(url.contains("client_id=client%20id%2F1"))
        #expect(url.contains("redirect_uri=https%3A%2F%2Fccr.example%2Fapi%2Ftwitch%2Fcallback%3Fx%3D1%26y%3D2"))
        #expect(url.contains("response_type=code"))
        #expect(url.contains("scope=moderator%3Aread%3Afollowers%20channel%3Aread%3Asubscriptions%20bits%3Aread"))
        #expect(url.contains("state=s%2Bt%2Fa%3Dt%26e%3F%23"))
        #expect(url.contains("force_verify=true"))
        #expect(!url.contains("client-secret-value"))

        let query = try Self.query(url)
        #expect(query.items.map(\.name) == ["client_id", "redirect_uri", "response_type", "scope", "state", "force_verify"])
        #expect(query.first("client_id") == "client id/1")
        #expect(query.first("redirect_uri") == "https://ccr.example/api/twitch/callback?x=1&y=2")
        #expect(query.first("scope") == "moderator:read:followers channel:read:subscriptions bits:read")
        #expect(query.first("state") == "s+t/a=t&e?#")
    }

    @Test func forceVerifyCanBeTurnedOffAndTheBaseURLComesFromTheConfiguration() throws {
        let standIn = HelixConfiguration(clientID: "local", clientSecret: "x", authBaseURL: "http://127.0.0.1:4321/oauth2/")
        let url = TwitchUserAuthorization(configuration: standIn)
            .authorizationURL(scopes: [], state: "abc", redirectURI: "http://localhost:3000", forceVerify: false)
        #expect(url.hasPrefix("http://127.0.0.1:4321/oauth2/authorize?"))
        let query = try Self.query(url)
        #expect(query.first("force_verify") == "false")
        #expect(query.first("scope") == "")

        let fromEnvironment = try HelixConfiguration.fromEnvironment(Environment(["TWITCH_CLIENT_ID": "id", "TWITCH_CLIENT_SECRET": "secret"]))
        #expect(TwitchUserAuthorization(configuration: fromEnvironment)
            .authorizationURL(scopes: ["bits:read"], state: "s", redirectURI: "r").hasPrefix("https://id.twitch.tv/oauth2/authorize?"))
    }

    @Test func tokensDecodeWithScopeAsArrayOrString() throws {
        let array = try UserTokens(json: Array("""
            {"access_token":"acc-1","expires_in":14124,"refresh_token":"ref-1",
             "scope":["channel:read:subscriptions","bits:read"],"token_type":"bearer"}
            """.utf8))
        #expect(array == UserTokens(accessToken: "acc-1", refreshToken: "ref-1", expiresIn: 14124,
                                    scopes: ["channel:read:subscriptions", "bits:read"]))
        let string = try UserTokens(json: Array("""
            {"access_token":"acc-2","refresh_token":"ref-2","expires_in":3600,"scope":"channel:read:subscriptions  bits:read","token_type":"bearer"}
            """.utf8))
        #expect(string.scopes == ["channel:read:subscriptions", "bits:read"])
        for scope in ["null", "[]", "\"\""] {
            let none = try UserTokens(json: Array(#"{"access_token":"a","refresh_token":"r","expires_in":1,"scope":\#(scope)}"#.utf8))
            #expect(none.scopes == [])
        }
        #expect(try UserTokens(json: Array(#"{"access_token":"a","refresh_token":"r","expires_in":1}"#.utf8)).scopes == [])
    }

    @Test func incompleteTokenAnswersAreInvalidResponses() {
        let bodies = [
            "", "[]", "not json",
            #"{"refresh_token":"r","expires_in":1}"#,
            #"{"access_token":"","refresh_token":"r","expires_in":1}"#,
            #"{"access_token":"a","expires_in":1}"#,
            #"{"access_token":"a","refresh_token":"r"}"#,
            #"{"access_token":"a","refresh_token":"r","expires_in":"soon"}"#,
        ]
        for body in bodies {
            #expect(throws: TwitchAuthorizationError.self) { try UserTokens(json: Array(body.utf8)) }
            do {
                _ = try UserTokens(json: Array(body.utf8))
            } catch {
                guard case .invalidResponse = error else { Issue.record("\(body): \(error)"); continue }
            }
        }
    }

    @Test func tokensNeverPrint() throws {
        let tokens = UserTokens(accessToken: "access-secret-123", refreshToken: "refresh-secret-456", expiresIn: 60, scopes: ["bits:read"])
        var dumped = ""
        dump(tokens, to: &dumped)
        for text in ["\(tokens)", String(reflecting: tokens), dumped, "\([tokens])"] {
            #expect(!text.contains("access-secret-123") && !text.contains("refresh-secret-456"), "\(text)")
        }
        #expect("\(tokens)".contains("bits:read") && "\(tokens)".contains("60"))
    }

    @Test func validationAnswersDecode() throws {
        let validated = try ValidatedUserToken(json: Array("""
            {"client_id":"wbmytr93xzw8zbg0p1izqyzzc5mbiz","login":"twitchdev","scopes":["channel:read:subscriptions"],
             "user_id":"141981764","expires_in":5520838}
            """.utf8))
        #expect(validated == ValidatedUserToken(clientID: "wbmytr93xzw8zbg0p1izqyzzc5mbiz", login: "twitchdev", userID: "141981764",
                                                scopes: ["channel:read:subscriptions"], expiresIn: 5_520_838))
        let nullScopes = try ValidatedUserToken(json: Array(#"{"client_id":"c","login":"l","scopes":null,"user_id":"1","expires_in":0}"#.utf8))
        #expect(nullScopes.scopes == [] && nullScopes.expiresIn == 0)
        let noExpiry = try ValidatedUserToken(json: Array(#"{"client_id":"c","login":"l","scopes":[],"user_id":"1","expires_in":null}"#.utf8))
        #expect(noExpiry.expiresIn == nil)
        // An app access token validates without user: not what a creator's token must be.
        #expect(throws: TwitchAuthorizationError.invalidResponse("validate: user_id missing (not a user access token)")) {
            try ValidatedUserToken(json: Array(#"{"client_id":"c","scopes":[],"expires_in":100}"#.utf8))
        }
    }

    static func error(_ endpoint: TwitchAuthorizationEndpoint, _ status: Int, _ body: String,
                      redacting secrets: [String] = []) -> TwitchAuthorizationError? {
        endpoint.error(status: status, body: Array(body.utf8), redacting: secrets)
    }

    @Test func statusesMeanWhatTheyMeanPerEndpoint() {
        // Success, and revoke's "already revoked".
        for endpoint in [TwitchAuthorizationEndpoint.codeExchange, .refresh, .validate, .revoke] {
            #expect(Self.error(endpoint, 200, "{}") == nil)
        }
        #expect(Self.error(.revoke, 400, #"{"status":400,"message":"Invalid token"}"#) == nil)

        #expect(Self.error(.codeExchange, 400, #"{"status":400,"message":"Invalid authorization code"}"#) == .invalidCode)
        #expect(Self.error(.refresh, 400, #"{"status":400,"message":"Invalid refresh token"}"#) == .invalidRefreshToken)
        #expect(Self.error(.refresh, 400, #"{"status":400,"message":"invalid refresh token"}"#) == .invalidRefreshToken)
        #expect(Self.error(.validate, 401, #"{"status":401,"message":"invalid access token"}"#) == .invalidAccessToken)
        #expect(Self.error(.validate, 401, "") == .invalidAccessToken)

        // The same messages elsewhere are plain refusals.
        #expect(Self.error(.refresh, 400, #"{"status":400,"message":"Invalid authorization code"}"#)
            == .rejected(status: 400, message: "Invalid authorization code"))
        #expect(Self.error(.codeExchange, 400, #"{"status":400,"message":"Invalid token"}"#) == .rejected(status: 400, message: "Invalid token"))
        #expect(Self.error(.revoke, 401, #"{"status":401,"message":"Invalid token"}"#) == .rejected(status: 401, message: "Invalid token"))
        #expect(Self.error(.codeExchange, 401, #"{"status":401,"message":"nope"}"#) == .rejected(status: 401, message: "nope"))

        #expect(Self.error(.codeExchange, 400, #"{"status":400,"message":"invalid client"}"#) == .rejected(status: 400, message: "invalid client"))
        #expect(Self.error(.refresh, 403, #"{"status":403,"message":"invalid client secret"}"#)
            == .rejected(status: 403, message: "invalid client secret"))
        #expect(Self.error(.revoke, 404, #"{"status":404,"message":"client does not exist"}"#)
            == .rejected(status: 404, message: "client does not exist"))
        #expect(Self.error(.validate, 429, "Too Many Requests") == .rejected(status: 429, message: "Too Many Requests"))
        #expect(Self.error(.codeExchange, 400, "") == .rejected(status: 400, message: "HTTP 400"))

        #expect(Self.error(.refresh, 500, #"{"status":500,"message":"Internal Server Error"}"#)
            == .unavailable("Twitch answered 500: Internal Server Error"))
        #expect(Self.error(.validate, 503, "<html>busy</html>") == .unavailable("Twitch answered 503: <html>busy</html>"))
    }

    @Test func errorMessagesNeverCarryWhatTheRequestSent() {
        let secrets = ["refresh+token/value==", "client-secret-value"]
        let echoed = Self.error(.refresh, 400, #"{"status":400,"message":"bad refresh+token/value== for client-secret-value"}"#, redacting: secrets)
        #expect(echoed == .rejected(status: 400, message: "bad <redacted> for <redacted>"))
        let encoded = Self.error(.refresh, 502, "refresh_token=refresh%2Btoken%2Fvalue%3D%3D", redacting: secrets)
        #expect(encoded == .unavailable("Twitch answered 502: refresh_token=<redacted>"))
    }

    /// Nothing listens on port 1 (the HTTP client retries the connection until the timeout): the
    /// transport failure is `.unavailable`, without the token.
    @Test func aTransportFailureIsUnavailable() async {
        let configuration = HelixConfiguration(clientID: "c", clientSecret: "client-secret-value", authBaseURL: "http://127.0.0.1:1/oauth2",
                                               requestTimeoutSeconds: 1)
        let client = TwitchUserAuthorization(configuration: configuration)
        do {
            _ = try await client.validate(accessToken: "access-token-value")
            Issue.record("validate succeeded against a closed port")
        } catch {
            guard case .unavailable(let message) = error else { Issue.record("\(error)"); return }
            #expect(!message.contains("access-token-value") && !message.contains("client-secret-value"))
        }
        do {
            try await client.revoke(token: "refresh-token-value")
            Issue.record("revoke succeeded against a closed port")
        } catch {
            guard case .unavailable(let message) = error else { Issue.record("\(error)"); return }
            #expect(!"\(error)".contains("refresh-token-value") && !message.contains("client-secret-value"))
        }
    }
}
