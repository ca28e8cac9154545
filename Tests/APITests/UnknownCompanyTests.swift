import AccessTokens
import Creators
import JSONValue
import Postgres
import TestSupport
import Testing

/// A correctly signed token whose company does not exist (deleted, or never created) is refused
/// like any caller who is not a member (nobody is a member of it): 403 `not_a_member` in the JSON
/// error shape, on reads and on the writes that would otherwise reach a foreign-key error (500).
@Suite struct UnknownCompanyTests {
    @Test func tokenForACompanyThatDoesNotExistIs403Everywhere() async throws {
        let api = try APIHarness(twitch: AnyLoginResolves())
        let missing = "00000000-0000-4000-8000-00000000dead"
        let cases: [(String, String, JSONValue?)] = [
            ("POST", "/api/creators", ["login": "shroud"]),
            ("POST", "/api/members", ["email": "someone@example.com", "role": "viewer"]),
            ("GET", "/api/me", nil), ("GET", "/api/creators", nil), ("GET", "/api/events", nil),
            ("PUT", "/api/branding", ["primaryColor": "#112233"]),
        ]
        for (method, path, body) in cases {
            let reply = await api.call(method, path, token: APIHarness.nonMemberToken(company: missing, role: .owner), body: body)
            #expect(reply.status == 403, "\(method) \(path) → \(reply.status) \(reply.json)")
            #expect(reply.json["error"]?["code"] == "not_a_member", "\(method) \(path): \(reply.json)")
            #expect(reply.json["error"]?["message"]?.stringValue?.isEmpty == false)
            #expect(reply.json["error"]?["requestId"]?.stringValue?.isEmpty == false)
        }
        #expect(try TestServices.superuserQuery("SELECT count(*) AS n FROM creators WHERE company_id = $1", [missing]).first!.requireInt64("n") == 0)
        #expect(try TestServices.superuserQuery("SELECT count(*) AS n FROM audit_logs WHERE company_id = $1", [missing]).first!.requireInt64("n") == 0)
        await api.shutdown()
    }
}

/// Every login exists (as with the local Twitch stand-in), so a write gets as far as the database.
struct AnyLoginResolves: TwitchUserLookup {
    func user(login: String) async throws -> TwitchUserRecord? {
        TwitchUserRecord(id: String(UInt32.random(in: 1...UInt32.max)), login: login, displayName: login)
    }
}
