import Access
import AccessTokens
import BlockingIO
import FunctionServer
import JSONValue
import Postgres
import TestSupport
import Testing

/// Memberships are the source of truth: a valid signature is not enough, the role is the
/// membership's current one (never more than the token's), and removing or demoting a member
/// takes effect within the access check's cache time — for tokens already issued.
@Suite struct MembershipAccessTests {
    @Test func aValidTokenOfSomeoneWhoIsNoMemberIs403NotAMember() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany("Access: stranger")
        let other = try TestServices.makeCompany("Access: elsewhere")
        // A member of another company, with a token for this one.
        let elsewhere = try TestServices.addMember(company: other, email: "elsewhere-owner@example.com", role: "owner")
        let token = try APIHarness.signer.token(subject: elsewhere, companyID: company, role: .owner, now: wallClockSeconds())
        for (method, path) in [("GET", "/api/creators"), ("GET", "/api/members"), ("GET", "/api/events")] {
            let reply = await api.call(method, path, token: token)
            #expect(reply.status == 403, "\(method) \(path): \(reply.json)")
            #expect(reply.json["error"]?["code"] == "not_a_member")
        }
        // A made-up subject (not a user id) is no member either.
        let madeUp = try APIHarness.signer.token(subject: "user:someone", companyID: company, role: .owner, now: wallClockSeconds())
        #expect(await api.call("GET", "/api/creators", token: madeUp).json["error"]?["code"] == "not_a_member")
        await api.shutdown()
    }

    @Test func theRoleIsTheMembershipsNeverMoreThanTheTokens() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany("Access: roles")
        let viewer = try TestServices.addMember(company: company, email: "claims-owner@example.com", role: "viewer")
        // The token says owner; the membership says viewer: a viewer's rights.
        let inflated = try APIHarness.signer.token(subject: viewer, companyID: company, role: .owner, now: wallClockSeconds())
        #expect(await api.call("GET", "/api/members", token: inflated).status == 200)
        let add = await api.call("POST", "/api/members", token: inflated, body: ["email": "new@example.com", "role": "viewer"])
        #expect(add.status == 403 && add.json["error"]?["code"] == "forbidden", "\(add.json)")
        // A request that fails before reaching the database (a bad body) is still answered with
        // the member's role: 403, not the 422 the token's role would get.
        let badBody = await api.call("POST", "/api/members", token: inflated, body: ["email": "not-an-email", "role": "viewer"])
        #expect(badBody.status == 403, "\(badBody.json)")
        // The membership says admin, the token viewer: still a viewer.
        let admin = try TestServices.addMember(company: company, email: "claims-viewer@example.com", role: "admin")
        let modest = try APIHarness.signer.token(subject: admin, companyID: company, role: .viewer, now: wallClockSeconds())
        #expect(await api.call("POST", "/api/members", token: modest, body: ["email": "new2@example.com", "role": "viewer"]).status == 403)
        await api.shutdown()
    }

    /// With the production cache (2 s): demotion and removal reach tokens already issued within it.
    @Test func demotionAndRemovalTakeEffectWithinTheCacheTime() async throws {
        let api = try APIHarness(accessCacheSeconds: 2)
        let company = try TestServices.makeCompany("Access: demotion")
        _ = try TestServices.addMember(company: company, email: "keeper@example.com", role: "owner")
        let member = try TestServices.addMember(company: company, email: "demoted@example.com", role: "admin")
        let token = try APIHarness.signer.token(subject: member, companyID: company, role: .admin, now: wallClockSeconds())
        #expect(await api.call("POST", "/api/members", token: token, body: ["email": "a1@example.com", "role": "viewer"]).status == 201)

        _ = try TestServices.addMember(company: company, email: "demoted@example.com", role: "viewer")
        let demotedAt = monotonicNanoseconds()
        var status = 201
        while status != 403, monotonicNanoseconds() - demotedAt < 5_000_000_000 {
            status = await api.call("POST", "/api/members", token: token, body: ["email": .string("a\(UInt32.random(in: 0 ... .max))@example.com"), "role": "viewer"]).status
            if status != 403 { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        let demotionSeconds = Double(monotonicNanoseconds() - demotedAt) / 1e9
        #expect(status == 403 && demotionSeconds < 2.5, "demotion took \(demotionSeconds) s")
        #expect(await api.call("GET", "/api/members", token: token).status == 200, "still a viewer")

        _ = try TestServices.superuserQuery("DELETE FROM memberships WHERE user_id = $1", [member])
        let removedAt = monotonicNanoseconds()
        var reply = await api.call("GET", "/api/members", token: token)
        while reply.status == 200, monotonicNanoseconds() - removedAt < 5_000_000_000 {
            try await Task.sleep(nanoseconds: 100_000_000)
            reply = await api.call("GET", "/api/members", token: token)
        }
        #expect(reply.status == 403 && reply.json["error"]?["code"] == "not_a_member", "\(reply.json)")
        #expect(Double(monotonicNanoseconds() - removedAt) / 1e9 < 2.5)
        await api.shutdown()
    }

    /// The dashboard's cookie session: reads need only the cookie; a change needs the CSRF token
    /// (header equal to the CSRF cookie) and is refused when the browser says it came cross-site.
    @Test func cookieSessionsNeedTheCSRFTokenToChangeAnything() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany("Access: cookies")
        let token = APIHarness.token(company: company, role: .admin)
        let cookies = SessionCookies(secure: true)
        let csrf = "csrf-token-0123456789abcdef"
        func call(_ method: String, _ path: String, cookie: String, headers: [(String, String)] = [], body: JSONValue? = nil) async -> (Int, JSONValue) {
            let response = await api.server.respond(to: FunctionRequest(
                method: method, path: path, headers: [("cookie", cookie)] + headers, body: body.map { Array(JSONWriter.string($0).utf8) } ?? []))
            return (response.status, (try? JSONParser.parse(response.body)) ?? .null)
        }
        let jar = "\(cookies.access)=\(token); \(cookies.csrf)=\(csrf)"
        #expect(await call("GET", "/api/members", cookie: jar).0 == 200)
        let body: JSONValue = ["email": "cookie-added@example.com", "role": "viewer"]
        let missing = await call("POST", "/api/members", cookie: jar, body: body)
        #expect(missing.0 == 403 && missing.1["error"]?["code"] == "csrf_failed", "\(missing)")
        #expect(await call("POST", "/api/members", cookie: jar, headers: [("x-csrf-token", "csrf-token-wrong-000000000")], body: body).0 == 403)
        #expect(await call("POST", "/api/members", cookie: jar, headers: [("x-csrf-token", csrf), ("sec-fetch-site", "cross-site")], body: body).0 == 403)
        #expect(await call("POST", "/api/members", cookie: jar, headers: [("x-csrf-token", csrf), ("sec-fetch-site", "same-origin")], body: body).0 == 201)
        // The plain name of a local (insecure) run is not the production cookie.
        #expect(await call("GET", "/api/members", cookie: "ccr_access=\(token)").0 == 401)
        let rows = try TestServices.superuserQuery("""
            SELECT count(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.company_id = $1 AND u.email = 'cookie-added@example.com'
            """, [company])
        #expect(try rows.first!.requireInt64("n") == 1, "exactly the one request with the right token changed something")
        await api.shutdown()
    }
}
