import AccessTokens
import API
import BlockingIO
import FunctionServer
import JSONValue
import Members
import OpenIDConnect
import Postgres
import TestSupport
import Testing
import URLEncoding

/// An invitation round trip: an admin invites an email with a role through the API; the link is
/// accepted once, at sign-in, by the account whose provider verified that email; the new member
/// lands in the company with the invited role. Refusals change nothing.
@Suite struct InvitationTests {
    @Test func anInvitedEmailSignsInOnceAndBecomesAMember() async throws {
        try await StandInSignInTests.withStandIn { harness, browser, subject, email, _ in
            // The inviting admin signs in first (their own browser), then invites through the API with the session cookie.
            let adminSubject = AuthHarness.unique("admin")
            let adminEmail = "\(adminSubject)@agency.test"
            let base = harness.provider.issuer
            let admin = Browser(harness)
            _ = try await admin.provider("PUT", base + "/_stand-in/users/\(adminSubject)", json: "{\"email\":\"\(adminEmail)\",\"email_verified\":true}")
            let (company, _) = try AuthHarness.company("Auth: invitations", member: adminEmail, role: "admin")
            #expect(try await admin.signIn(subject: adminSubject).status == 303)

            let created = await admin.call("POST", "/api/invitations", headers: [("x-csrf-token", admin.csrf!), ("content-type", "application/json")],
                                           body: "{\"email\":\"\(email.uppercased())\",\"role\":\"operator\"}")
            #expect(created.status == 201, "\(created.text)")
            let acceptPath = try #require(created.json["acceptPath"]?.stringValue)
            #expect(created.json["status"] == "pending" && created.json["email"]?.stringValue == email)
            // An admin cannot invite an owner (roles below their own).
            #expect(await admin.call("POST", "/api/invitations", headers: [("x-csrf-token", admin.csrf!)],
                                     body: "{\"email\":\"x@agency.test\",\"role\":\"owner\"}").status == 403)
            let token = try #require(QueryItems(String(acceptPath.split(separator: "?")[1])).first("invitation"))
            let stored = try TestServices.superuserQuery("SELECT encode(token_hash, 'hex') AS h FROM invitations WHERE company_id = $1", [company])
            #expect(stored.rows.count == 1 && !(stored.first?["h"] ?? "").contains(token), "only the hash is stored")

            // Someone else with the link is refused and nothing changes.
            let otherSubject = AuthHarness.unique("other")
            _ = try await browser.provider("PUT", base + "/_stand-in/users/\(otherSubject)", json: "{\"email\":\"\(otherSubject)@agency.test\",\"email_verified\":true}")
            let intruder = Browser(harness)
            let page = await intruder.call("GET", acceptPath)
            #expect(page.status == 200 && page.text.contains("invitation=\(token)"))
            let wrong = try await intruder.signIn(subject: otherSubject, invitation: token)
            #expect(wrong.status == 403 && wrong.text.contains("another email address"), "\(wrong.text)")

            // The invited person: straight into the company, with the invited role.
            let done = try await browser.signIn(subject: subject, invitation: token)
            #expect(done.status == 303, "\(done.text)")
            let session = await browser.call("GET", "/auth/session")
            #expect(session.json["company"]?["id"]?.stringValue == company && session.json["role"] == "operator", "\(session.text)")
            // Single use.
            let again = try await Browser(harness).signIn(subject: subject, invitation: token)
            #expect(again.status == 403 && again.text.contains("already used"))
            let listed = await admin.call("GET", "/api/invitations")
            #expect(listed.json["data"]?.arrayValue?.first?["status"] == "accepted", "\(listed.text)")
            let audit = try TestServices.superuserQuery("""
                SELECT action FROM audit_logs WHERE company_id = $1 AND action LIKE 'invitation.%' ORDER BY id
                """, [company])
            #expect(audit.rows.map { $0["action"] ?? "" } == ["invitation.create", "invitation.accept"])
        }
    }

    @Test func revokedAndExpiredInvitationsAreRefused() async throws {
        try await StandInSignInTests.withStandIn { harness, browser, subject, email, base in
            let adminSubject = AuthHarness.unique("owner")
            let admin = Browser(harness)
            _ = try await admin.provider("PUT", base + "/_stand-in/users/\(adminSubject)", json: "{\"email\":\"\(adminSubject)@agency.test\",\"email_verified\":true}")
            let (company, _) = try AuthHarness.company("Auth: revoked invitations", member: "\(adminSubject)@agency.test", role: "owner")
            #expect(try await admin.signIn(subject: adminSubject).status == 303)
            func invite() async throws -> (String, String) {
                let created = await admin.call("POST", "/api/invitations", headers: [("x-csrf-token", admin.csrf!)],
                                               body: "{\"email\":\"\(email)\",\"role\":\"viewer\"}")
                #expect(created.status == 201, "\(created.text)")
                let path = try #require(created.json["acceptPath"]?.stringValue)
                return (try #require(created.json["id"]?.stringValue), try #require(QueryItems(String(path.split(separator: "?")[1])).first("invitation")))
            }
            let (revokedID, revokedToken) = try await invite()
            #expect(await admin.call("DELETE", "/api/invitations/\(revokedID)", headers: [("x-csrf-token", admin.csrf!)]).status == 204)
            #expect(await admin.call("DELETE", "/api/invitations/\(revokedID)", headers: [("x-csrf-token", admin.csrf!)]).status == 409)
            let revoked = try await browser.signIn(subject: subject, invitation: revokedToken)
            #expect(revoked.status == 403 && revoked.text.contains("revoked"), "\(revoked.text)")

            let (expiredID, expiredToken) = try await invite()
            _ = try TestServices.superuserQuery("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1", [expiredID])
            let expired = try await browser.signIn(subject: subject, invitation: expiredToken)
            #expect(expired.status == 403 && expired.text.contains("expired"))
            let members = try TestServices.superuserQuery("""
                SELECT count(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.company_id = $1 AND u.email = $2
                """, [company, email])
            #expect(try members.first!.requireInt64("n") == 0)
        }
    }
}
