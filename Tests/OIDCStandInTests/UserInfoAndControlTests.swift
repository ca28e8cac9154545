import JSONValue
import OIDCStandIn
import Testing
import URLEncoding

@Suite struct UserInfoAndControlTests {
    @Test func userInfoAnswersTheCurrentClaimsForTheGrantedScopes() async throws {
        try await withStandIn { fixture in
            let pkce = PKCE()
            let query = try await fixture.signIn(as: "carol", fixture.authorizationParameters(pkce: pkce, scope: "openid profile"))
            let tokens = try await fixture.exchange(code: try #require(query.first("code")), verifier: pkce.verifier).json
            let accessToken = try #require(tokens["access_token"]?.stringValue)
            let response = try await fixture.request("GET", "/userinfo", headers: [("Authorization", "Bearer " + accessToken)])
            #expect(response.status == 200)
            #expect(response.header("cache-control") == "no-store")
            #expect(response.json == ["sub": "carol", "name": "Carol Viewer"], "no email without the email scope")
            let posted = try await fixture.request("POST", "/userinfo", headers: [("Authorization", "Bearer " + accessToken)])
            #expect(posted.json["sub"] == "carol")

            let missing = try await fixture.request("GET", "/userinfo")
            #expect(missing.status == 401)
            #expect(missing.header("www-authenticate") == "Bearer realm=\"oidc-stand-in\"")
            let bad = try await fixture.request("GET", "/userinfo", headers: [("Authorization", "Bearer not-a-token")])
            #expect(bad.status == 401)
            #expect(bad.header("www-authenticate")?.hasPrefix("Bearer realm=\"oidc-stand-in\", error=\"invalid_token\"") == true)

            fixture.state.revokeAllAccessTokens()
            #expect(try await fixture.request("GET", "/userinfo", headers: [("Authorization", "Bearer " + accessToken)]).status == 401)
        }
    }

    @Test func putUserCreatesOrReplacesWithExtraClaims() async throws {
        try await withStandIn { fixture in
            let created = try await fixture.json("PUT", "/_stand-in/users/dave", ["email": "dave@agency.test", "email_verified": true,
                                                                                   "name": "Dave", "hd": "agency.test"])
            #expect(created.status == 200, "\(created.text)")
            #expect(created.json == ["sub": "dave", "email": "dave@agency.test", "email_verified": true, "name": "Dave", "hd": "agency.test"])
            let replaced = try await fixture.json("PUT", "/_stand-in/users/alice", ["email": "alice@agency.test", "email_verified": true,
                                                                                     "name": "Alice Owner", "tid": "9188040d-6c67-4c5b-b112-36a304b66dad"])
            #expect(replaced.status == 200)
            let list = try #require(try await fixture.request("GET", "/_stand-in/users").json["users"]?.arrayValue)
            #expect(list.compactMap { $0["sub"]?.stringValue } == ["alice", "bob", "carol", "mallory", "dave"])

            let pkce = PKCE()
            let response = try await fixture.exchange(code: try await fixture.code(for: "alice", pkce: pkce), verifier: pkce.verifier)
            let claims = try DecodedJWT(try #require(response.json["id_token"]?.stringValue)).claims
            #expect(claims["tid"] == "9188040d-6c67-4c5b-b112-36a304b66dad")
            let page = try await fixture.authorize(fixture.authorizationParameters(pkce: pkce)).text
            #expect(page.contains("dave@agency.test"))

            for body: JSONValue in [["name": "No Email"], ["email": "x@y.test", "email_verified": "yes"], ["email": "x@y.test", "iss": "x"],
                                    ["email": "x@y.test", "sub": "other"], "not an object"] {
                let refused = try await fixture.json("PUT", "/_stand-in/users/x", body)
                #expect(refused.status == 400, "\(body)")
                #expect(refused.json["error"] == "invalid_request")
            }
            #expect(fixture.state.user(sub: "x") == nil)
        }
    }
}
