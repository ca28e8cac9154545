import AccessTokens
import Base64Encoding
import BlockingIO
import JSONValue
import OIDCStandIn
import OpenIDConnect
import Postgres
import TestSupport
import Testing

/// Sign-in through the project's OIDC stand-in over real HTTP, and the session it starts.
@Suite struct StandInSignInTests {
    /// Starts a stand-in, adds a user with a fresh verified email (users are global: fresh ones
    /// keep tests apart), and runs `body`.
    static func withStandIn(emailVerified: Bool = true,
                            _ body: (AuthHarness, Browser, _ subject: String, _ email: String, _ standIn: String) async throws -> Void) async throws {
        let server = try OIDCStandInServer()
        try await server.withRunning { port in
            let base = "http://127.0.0.1:\(port)"
            let harness = try AuthHarness(provider: AuthHarness.provider(issuer: base))
            let browser = Browser(harness)
            let subject = AuthHarness.unique("user")
            let email = "\(subject)@agency.test"
            let put = try await browser.provider("PUT", base + "/_stand-in/users/\(subject)",
                                                 json: "{\"email\":\"\(email)\",\"email_verified\":\(emailVerified),\"name\":\"Test <User>\"}")
            #expect(put.status == 200, "\(put.text)")
            try await body(harness, browser, subject, email, base)
            await harness.shutdown()
        }
    }

    @Test func signInStartsASessionThatTheAPIHonoursAndRefreshRotates() async throws {
        try await Self.withStandIn { harness, browser, subject, email, _ in
            let (company, userID) = try AuthHarness.company("Auth: one company", member: email, role: "admin")
            let done = try await browser.signIn(subject: subject, returnTo: "/?view=grid")
            #expect(done.status == 303 && done.location == "/?view=grid", "\(done.status) \(done.text)")
            let cookies = SessionCookies(secure: true)
            for line in done.setCookies where line.hasPrefix(cookies.access) || line.hasPrefix(cookies.refresh) {
                #expect(line.contains("HttpOnly") && line.contains("Secure") && line.contains("SameSite=Lax") && line.contains("Path=/"), "\(line)")
            }
            #expect(browser.cookies[cookies.access] != nil && browser.cookies[cookies.refresh] != nil && browser.csrf != nil)

            let session = await browser.call("GET", "/auth/session")
            #expect(session.status == 200, "\(session.text)")
            #expect(session.json["user"]?["id"]?.stringValue == userID && session.json["role"] == "admin")
            #expect(session.json["company"]?["id"]?.stringValue == company)
            let whoami = await browser.call("GET", "/api/whoami")
            #expect(whoami.status == 200 && whoami.json["role"] == "admin" && whoami.json["user"]?.stringValue == userID, "\(whoami.text)")

            // The access token is an RS256 token of the project's own keys, published as JWKS.
            let jwks = await browser.call("GET", "/.well-known/jwks.json")
            let kid = try #require(JSONParser.parse(Base64URL.decode(browser.cookies[cookies.access]!.split(separator: ".")[0]) ?? [])["kid"]?.stringValue)
            #expect(jwks.status == 200 && (jwks.json["keys"]?.arrayValue?.contains { $0["kid"]?.stringValue == kid } ?? false), "\(jwks.text)")

            // Refresh: needs the CSRF token; rotates the refresh token.
            #expect(await browser.call("POST", "/auth/refresh").status == 403)
            let oldRefresh = browser.cookies[cookies.refresh]!
            let refreshed = await browser.call("POST", "/auth/refresh", headers: [("x-csrf-token", browser.csrf!)])
            #expect(refreshed.status == 200 && refreshed.json["expiresIn"] == 600, "\(refreshed.text)")
            let newRefresh = try #require(browser.cookies[cookies.refresh])
            #expect(newRefresh != oldRefresh)
            #expect(await browser.call("GET", "/api/whoami").status == 200)

            // Reuse of the rotated-away token: refused, and the whole session ends with it.
            let issuedBeforeReuse = try #require(browser.cookies[cookies.access])
            let thief = Browser(harness)
            thief.cookies = [cookies.refresh: oldRefresh, cookies.csrf: "thief-csrf-0123456789abcdef"]
            let reuse = await thief.call("POST", "/auth/refresh", headers: [("x-csrf-token", "thief-csrf-0123456789abcdef")])
            #expect(reuse.status == 401 && reuse.json["error"]?["code"] == "session_ended", "\(reuse.text)")
            #expect(reuse.json["error"]?["message"]?.stringValue?.contains("reused") == true)
            let after = await browser.call("POST", "/auth/refresh", headers: [("x-csrf-token", browser.csrf ?? "")])
            #expect(after.status == 401, "the legitimate holder's newer token is revoked too: \(after.text)")
            // The access token issued before the reuse dies with its session (sid).
            let stale = await Browser(harness).call("GET", "/api/whoami", headers: [("authorization", "Bearer \(issuedBeforeReuse)")])
            #expect(stale.status == 403 && stale.json["error"]?["code"] == "not_a_member", "\(stale.text)")
            let revoked = try TestServices.superuserQuery("SELECT revoked_reason FROM auth_sessions WHERE user_id = $1", [userID])
            #expect(revoked.rows.map { $0["revoked_reason"] } == ["refresh_token_reused"])
            let audit = try TestServices.superuserQuery("SELECT count(*) AS n FROM audit_logs WHERE company_id = $1 AND action = 'session.sign_in'", [company])
            #expect(try audit.first!.requireInt64("n") == 1)
        }
    }

    @Test func severalCompaniesAskWhichOneAndSwitchingChangesTheTokensCompany() async throws {
        try await Self.withStandIn { harness, browser, subject, email, _ in
            let (first, _) = try AuthHarness.company("<b>First</b> & Co", member: email, role: "viewer")
            let second = try TestServices.makeCompany("Second Agency")
            _ = try TestServices.addMember(company: second, email: email, role: "operator")
            let done = try await browser.signIn(subject: subject)
            #expect(done.status == 303 && done.location == "/auth/switch", "\(done.text)")
            let page = await browser.call("GET", "/auth/switch")
            #expect(page.status == 200 && page.text.contains("&lt;b&gt;First&lt;/b&gt; &amp; Co") && !page.text.contains("<b>First"), "\(page.text)")
            #expect(page.text.contains("Second Agency"))
            // Without the CSRF token nothing happens.
            #expect(await browser.call("POST", "/auth/switch", headers: [("content-type", "application/x-www-form-urlencoded")],
                                       body: "company=\(second)").status == 403)
            let chosen = await browser.call("POST", "/auth/switch", headers: [("content-type", "application/x-www-form-urlencoded")],
                                            body: "company=\(second)&csrf=\(browser.csrf!)")
            #expect(chosen.status == 303 && chosen.location == "/", "\(chosen.text)")
            #expect(await browser.call("GET", "/api/whoami").json["company"]?.stringValue == second)
            // Switching within the session: a new access token for the other company.
            let switched = await browser.call("POST", "/auth/switch", headers: [("content-type", "application/json"), ("x-csrf-token", browser.csrf!)],
                                              body: "{\"company\":\"\(first)\"}")
            #expect(switched.status == 200 && switched.json["role"] == "viewer", "\(switched.text)")
            let whoami = await browser.call("GET", "/api/whoami")
            #expect(whoami.json["company"]?.stringValue == first && whoami.json["role"] == "viewer")
            // A company whose sign-in requirement this session does not meet: no switch there.
            _ = try TestServices.superuserQuery("UPDATE companies SET sso_email_domains = '{partner.test}' WHERE id = $1", [second])
            let required = await browser.call("POST", "/auth/switch", headers: [("content-type", "application/json"), ("x-csrf-token", browser.csrf!)],
                                              body: "{\"company\":\"\(second)\"}")
            #expect(required.status == 403, "\(required.text)")
            #expect(await browser.call("GET", "/api/whoami").json["company"]?.stringValue == first)
            // A company the user does not belong to.
            let foreign = try TestServices.makeCompany("Not mine")
            let refused = await browser.call("POST", "/auth/switch", headers: [("content-type", "application/json"), ("x-csrf-token", browser.csrf!)],
                                             body: "{\"company\":\"\(foreign)\"}")
            #expect(refused.status == 403 && refused.json["error"]?["code"] == "not_a_member")
        }
    }

    /// Microsoft Entra ID sends no `email_verified`; its `xms_edov` optional claim (email domain
    /// owner verified) is accepted in its place.
    @Test func entraStyleTokensVerifyTheEmailWithXmsEdov() async throws {
        try await Self.withStandIn { _, browser, subject, email, base in
            _ = try AuthHarness.company("Auth: Entra", member: email, role: "viewer")
            let set = try await browser.provider("POST", base + "/_stand-in/next-id-token",
                                                 json: "{\"claims\":{\"email_verified\":null,\"xms_edov\":true,\"tid\":\"9188040d-6c67-4c5b-b112-36a304b66dad\"}}")
            #expect(set.status == 200 || set.status == 204)
            #expect(try await browser.signIn(subject: subject).status == 303)
        }
    }

    /// An admin ends a member's sessions for the company: the member's refresh token and access
    /// token stop working; the admin cannot do it to an owner; one audit row.
    @Test func anAdminEndsAMembersSessions() async throws {
        try await Self.withStandIn { harness, browser, subject, email, _ in
            let (company, memberID) = try AuthHarness.company("Auth: ended by admin", member: email, role: "viewer")
            #expect(try await browser.signIn(subject: subject).status == 303)
            let adminID = try TestServices.addMember(company: company, email: AuthHarness.unique("admin") + "@agency.test", role: "admin")
            let ownerID = try TestServices.addMember(company: company, email: AuthHarness.unique("owner") + "@agency.test", role: "owner")
            let adminToken = try APIHarnessKeys.token(subject: adminID, company: company, role: .admin)
            let admin = Browser(harness)
            let ended = await admin.call("DELETE", "/api/members/\(memberID)/sessions", headers: [("authorization", "Bearer \(adminToken)")])
            #expect(ended.status == 200 && ended.json["revoked"] == 1, "\(ended.text)")
            #expect(await admin.call("DELETE", "/api/members/\(ownerID)/sessions", headers: [("authorization", "Bearer \(adminToken)")]).status == 403)
            let stale = await browser.call("GET", "/api/whoami")
            #expect(stale.status == 403 && stale.json["error"]?["code"] == "not_a_member", "\(stale.text)")
            #expect(await browser.call("POST", "/auth/refresh", headers: [("x-csrf-token", browser.csrf ?? "")]).status == 401)
            let audit = try TestServices.superuserQuery("""
                SELECT count(*) AS n FROM audit_logs WHERE company_id = $1 AND action = 'member.sessions_revoke' AND target_id = $2
                """, [company, memberID])
            #expect(try audit.first!.requireInt64("n") == 1)
        }
    }

    @Test func signOutEndsTheSessionAndSignOutEverywhereEndsThemAll() async throws {
        try await Self.withStandIn { harness, browser, subject, email, _ in
            let (_, userID) = try AuthHarness.company("Auth: sign out", member: email)
            #expect(try await browser.signIn(subject: subject).status == 303)
            let laptop = Browser(harness)
            #expect(try await laptop.signIn(subject: subject).status == 303)
            let list = await browser.call("GET", "/auth/sessions")
            #expect(list.json["data"]?.arrayValue?.count == 2, "\(list.text)")

            let out = await browser.call("POST", "/auth/logout", headers: [("x-csrf-token", browser.csrf!), ("accept", "application/json")])
            #expect(out.status == 200 && out.json["revoked"] == 1, "\(out.text)")
            #expect(browser.cookies.isEmpty, "cookies cleared: \(browser.cookies)")
            #expect(await laptop.call("GET", "/api/whoami").status == 200, "the other session lives on")

            #expect(try await browser.signIn(subject: subject).status == 303)
            let everywhere = await browser.call("POST", "/auth/logout-all", headers: [("x-csrf-token", browser.csrf!), ("accept", "application/json")])
            #expect(everywhere.status == 200 && everywhere.json["revoked"] == 2, "\(everywhere.text)")
            let laptopAfter = await laptop.call("GET", "/api/whoami")
            #expect(laptopAfter.status == 403 && laptopAfter.json["error"]?["code"] == "not_a_member", "the laptop's access token dies with its session")
            #expect(await laptop.call("POST", "/auth/refresh", headers: [("x-csrf-token", laptop.csrf!)]).status == 401)
            let live = try TestServices.superuserQuery("SELECT count(*) AS n FROM auth_sessions WHERE user_id = $1 AND revoked_at IS NULL", [userID])
            #expect(try live.first!.requireInt64("n") == 0)
        }
    }
}
