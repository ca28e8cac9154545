import AccessTokens
import BlockingIO
import JSONValue
import OIDCStandIn
import OpenIDConnect
import Postgres
import TestSupport
import Testing
import URLEncoding

/// Every bad sign-in gets a clear page and changes nothing: no session, no user linked; the
/// failure is recorded for the operator.
@Suite struct RefusedSignInTests {
    static func sessions(of email: String) throws -> Int64 {
        try TestServices.superuserQuery("""
            SELECT count(*) AS n FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1
            """, [email]).first!.requireInt64("n")
    }

    static func expectRefusal(_ answer: Answer, status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.status == status, "\(answer.status): \(answer.text)", sourceLocation: sourceLocation)
        #expect(answer.header("content-type")?.hasPrefix("text/html") == true, sourceLocation: sourceLocation)
        #expect(answer.text.contains("id=\"error\""), sourceLocation: sourceLocation)
        #expect(!answer.setCookies.contains { $0.contains("ccr_access=") && !$0.contains("Max-Age=0") }, sourceLocation: sourceLocation)
    }

    @Test func replayedOrForeignStateAndOpenRedirectsAreRefused() async throws {
        try await StandInSignInTests.withStandIn { harness, browser, subject, email, _ in
            _ = try AuthHarness.company("Auth: state", member: email)
            // Another browser (no login cookie) cannot complete this browser's sign-in.
            let callback = try await browser.signInAtProvider(subject: subject)
            let elsewhere = Browser(harness)
            Self.expectRefusal(await elsewhere.call("GET", callback), status: 400)
            // The state is gone after one use, even a refused one: the owner cannot finish it either.
            Self.expectRefusal(await browser.call("GET", callback), status: 400)
            #expect(try Self.sessions(of: email) == 0)

            // A completed sign-in's callback replayed.
            let fresh = try await browser.signInAtProvider(subject: subject)
            #expect(await browser.call("GET", fresh).status == 303)
            let replay = await browser.call("GET", fresh)
            Self.expectRefusal(replay, status: 400)
            #expect(replay.text.contains("expired or was already used"))
            #expect(try Self.sessions(of: email) == 1)

            for target in ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/ok\r\nx: y"] {
                let answer = await browser.call("GET", "/auth/login/local?returnTo=\(PercentEncoding.encode(target))")
                #expect(answer.status == 400 && answer.location == nil, "\(target): \(answer.status)")
            }
            let unknown = await browser.call("GET", "/auth/login/nobody")
            #expect(unknown.status == 404)
            let denied = await browser.call("GET", "/auth/callback?error=access_denied&state=x")
            Self.expectRefusal(denied, status: 400)
            let failures = try TestServices.superuserQuery("SELECT count(*) AS n FROM sign_in_failures WHERE reason IN ('state_mismatch', 'invalid_state')")
            #expect(try failures.first!.requireInt64("n") >= 3)
        }
    }

    /// Forged or wrong ID tokens, made by the stand-in on request: each is refused.
    @Test func idTokensThatMustNotVerifyAreRefused() async throws {
        try await StandInSignInTests.withStandIn { harness, browser, subject, email, base in
            _ = try AuthHarness.company("Auth: tokens", member: email)
            let now = Int(wallClockSeconds())
            let cases: [(String, String, String)] = [
                ("alg none", "{\"alg\":\"none\"}", "algorithm"),
                ("HS256 keyed with the client secret", "{\"alg\":\"HS256\"}", "algorithm"),
                ("an unknown key", "{\"alg\":\"unknown-key\"}", "unknown key"),
                ("another audience", "{\"claims\":{\"aud\":\"someone-else\"}}", "audience"),
                ("an extra audience", "{\"claims\":{\"aud\":[\"ccr-local\",\"someone-else\"]}}", "audience"),
                ("another issuer", "{\"claims\":{\"iss\":\"https://evil.example\"}}", "issuer"),
                ("expired", "{\"claims\":{\"exp\":\(now - 3_600),\"iat\":\(now - 3_900)}}", "expired"),
                ("issued in the future", "{\"claims\":{\"iat\":\(now + 3_600)}}", "issue time"),
                ("another nonce", "{\"claims\":{\"nonce\":\"not-this-sign-in\"}}", "nonce"),
                ("no nonce", "{\"claims\":{\"nonce\":null}}", "nonce"),
                ("unverified email", "{\"claims\":{\"email_verified\":false}}", "verified"),
                ("no email_verified at all", "{\"claims\":{\"email_verified\":null}}", "verified"),
            ]
            for (name, override, words) in cases {
                let set = try await browser.provider("POST", base + "/_stand-in/next-id-token", json: override)
                #expect(set.status == 200 || set.status == 204, "\(name): \(set.text)")
                let answer = try await browser.signIn(subject: subject)
                #expect(answer.status == 403, "\(name): \(answer.status) \(answer.text)")
                #expect(answer.text.contains(words), "\(name): \(answer.text)")
            }
            #expect(try Self.sessions(of: email) == 0)
            // Nothing stuck: a normal sign-in still works afterwards.
            #expect(try await browser.signIn(subject: subject).status == 303)
            #expect(harness.provider.clientID == "ccr-local")
        }
    }

    @Test func unverifiedEmailsNonMembersAndSSORequirementsAreRefused() async throws {
        try await StandInSignInTests.withStandIn(emailVerified: false) { _, browser, subject, email, _ in
            _ = try AuthHarness.company("Auth: unverified", member: email)
            let answer = try await browser.signIn(subject: subject)
            Self.expectRefusal(answer, status: 403)
            #expect(answer.text.contains("has not verified your email"))
            #expect(try Self.sessions(of: email) == 0)
        }
        try await StandInSignInTests.withStandIn { _, browser, subject, email, _ in
            let stranger = try await browser.signIn(subject: subject)
            Self.expectRefusal(stranger, status: 403)
            #expect(stranger.text.contains("not a member of any company"))
            // A member whose company requires another provider.
            let (company, _) = try AuthHarness.company("Auth: SSO", member: email)
            _ = try TestServices.superuserQuery("UPDATE companies SET sso_issuer = 'https://login.example-idp.com' WHERE id = $1", [company])
            let sso = try await browser.signIn(subject: subject)
            Self.expectRefusal(sso, status: 403)
            #expect(sso.text.contains("requires signing in with another identity provider"))
            // …or only some email domains.
            _ = try TestServices.superuserQuery("UPDATE companies SET sso_issuer = NULL, sso_email_domains = '{partner.test}' WHERE id = $1", [company])
            Self.expectRefusal(try await browser.signIn(subject: subject), status: 403)
            _ = try TestServices.superuserQuery("UPDATE companies SET sso_email_domains = '{agency.test}' WHERE id = $1", [company])
            #expect(try await browser.signIn(subject: subject).status == 303)
        }
    }

    /// A code is good once: the stand-in refuses it the second time, and so the sign-in fails.
    @Test func aReplayedCodeIsRefused() async throws {
        try await StandInSignInTests.withStandIn { _, browser, subject, email, _ in
            _ = try AuthHarness.company("Auth: code", member: email)
            let first = try await browser.signInAtProvider(subject: subject)
            let code = try #require(QueryItems(String(first.split(separator: "?")[1])).first("code"))
            #expect(await browser.call("GET", first).status == 303)
            let second = try await browser.signInAtProvider(subject: subject)
            let items = QueryItems(String(second.split(separator: "?")[1])).items.map { $0.name == "code" ? ($0.name, code) : ($0.name, $0.value) }
            let replayed = await browser.call("GET", "/auth/callback?" + PercentEncoding.form(items))
            Self.expectRefusal(replayed, status: 400)
            #expect(replayed.text.contains("refused the code"))
        }
    }
}
