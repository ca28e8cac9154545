import JSONValue
import OIDCStandIn
import Testing
import URLEncoding

@Suite struct AuthorizationTests {
    @Test func theSignInPageListsEveryUserEscapedWithTheRequestInHiddenFields() async throws {
        try await withStandIn { fixture in
            try fixture.state.setUser(OIDCStandInUser(sub: "eve", email: "eve@agency.test", name: "<b>Eve & \"Co\"</b>"))
            let pkce = PKCE()
            let response = try await fixture.authorize(fixture.authorizationParameters(pkce: pkce, changes: ["login_hint": "bob@agency.test"]))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "text/html; charset=utf-8")
            #expect(response.header("cache-control") == "no-store")
            #expect(response.header("location") == nil)
            let page = response.text
            for (name, email) in [("Alice Owner", "alice@agency.test"), ("Bob Admin", "bob@agency.test"), ("Carol Viewer", "carol@other.test"),
                                  ("Mallory Unverified", "mallory@agency.test")] {
                #expect(page.contains(name) && page.contains(email), "the page lacks \(name)")
            }
            #expect(page.contains("&lt;b&gt;Eve &amp; &quot;Co&quot;&lt;/b&gt;"))
            #expect(!page.contains("<b>Eve"))
            #expect(page.contains("<input type=\"hidden\" name=\"sub\" value=\"eve\">"))
            #expect(page.contains("<input type=\"hidden\" name=\"code_challenge\" value=\"\(pkce.challenge)\">"))
            #expect(page.contains("<form method=\"post\" action=\"/authorize\" class=\"hint\">\n<input type=\"hidden\" name=\"response_type\""))
            #expect(page.occurrences(of: "class=\"hint\"") == 1)
            #expect(!page.contains("<script"))
        }
    }

    @Test func choosingAUserRedirectsWithCodeStateAndIssuer() async throws {
        try await withStandIn { fixture in
            let pkce = PKCE()
            let response = try await fixture.postForm("/authorize", fixture.authorizationParameters(pkce: pkce) + [("sub", "alice")])
            #expect(response.status == 302)
            #expect(response.header("cache-control") == "no-store")
            let location = try #require(response.header("location"))
            #expect(location.hasPrefix(OIDCFixture.redirectURI + "?code="))
            let query = response.locationQuery
            let code = try #require(query.first("code"))
            #expect(code.utf8.count >= 43, "a code carries at least 256 bits")
            #expect(query.first("state") == "af0ifjsldkj")
            #expect(query.first("iss") == fixture.server.issuer)

            // A redirect URI with a query keeps it; the response parameters follow with &.
            let withQuery = "http://localhost:4321/callback?tenant=a%20b"
            let second = try await fixture.signIn(as: "bob", fixture.authorizationParameters(pkce: pkce, changes: ["redirect_uri": withQuery]),
                                                  redirectURI: withQuery)
            #expect(second.first("tenant") == "a b")
            #expect(second.first("code") != code)
        }
    }

    @Test func anUnknownClientOrAForeignRedirectURIGetsAPageAndNeverARedirect() async throws {
        try await withStandIn { fixture in
            let pkce = PKCE()
            let cases: [[String: String?]] = [
                ["client_id": "someone-else"], ["client_id": nil], ["redirect_uri": nil],
                ["redirect_uri": "https://evil.example/callback"], ["redirect_uri": "http://127.0.0.1:80@evil.example/callback"],
                ["redirect_uri": "http://127.0.0.1.evil.example/callback"], ["redirect_uri": "http://127.0.0.1:8080/callback#fragment"],
                // Checked before anything else, even with other errors present.
                ["redirect_uri": "https://evil.example/callback", "response_type": "token"],
            ]
            for changes in cases {
                let parameters = fixture.authorizationParameters(pkce: pkce, changes: changes)
                for response in [try await fixture.authorize(parameters), try await fixture.postForm("/authorize", parameters + [("sub", "alice")])] {
                    #expect(response.status == 400, "\(changes)")
                    #expect(response.header("location") == nil, "\(changes)")
                    #expect(response.header("content-type") == "text/html; charset=utf-8")
                    #expect(response.text.contains("Sign-in error"))
                }
            }
        }
        // A client with registered URIs gets exact matching only, loopback or not.
        let registered = OIDCStandInConfiguration(clients: [
            "registered": OIDCStandInClient(secret: "registered-secret", redirectURIs: ["http://127.0.0.1:7000/cb"]),
        ])
        try await withStandIn(registered) { fixture in
            let pkce = PKCE()
            let base = ["client_id": "registered"]
            let refused = try await fixture.authorize(fixture.authorizationParameters(pkce: pkce, changes: base.merging(["redirect_uri": "http://127.0.0.1:7001/cb"]) { $1 }))
            #expect(refused.status == 400)
            let accepted = try await fixture.authorize(fixture.authorizationParameters(pkce: pkce, changes: base.merging(["redirect_uri": "http://127.0.0.1:7000/cb"]) { $1 }))
            #expect(accepted.status == 200)
        }
    }

    @Test func requestErrorsGoBackToTheClientWithStateAndIssuer() async throws {
        try await withStandIn { fixture in
            let pkce = PKCE()
            let cases: [([String: String?], String)] = [
                (["code_challenge_method": "plain"], "invalid_request"),
                (["code_challenge_method": nil], "invalid_request"),
                (["code_challenge": nil], "invalid_request"),
                (["code_challenge": "too-short"], "invalid_request"),
                (["response_type": "token"], "unsupported_response_type"),
                (["response_type": "code id_token"], "unsupported_response_type"),
                (["response_type": nil], "invalid_request"),
                (["scope": "email profile"], "invalid_scope"),
                (["response_mode": "form_post"], "invalid_request"),
                (["request_uri": "urn:example:request"], "request_uri_not_supported"),
                (["prompt": "none"], "login_required"),
            ]
            for (changes, error) in cases {
                let parameters = fixture.authorizationParameters(pkce: pkce, changes: changes)
                // The page's POST repeats every check: hidden fields prove nothing.
                for response in [try await fixture.authorize(parameters), try await fixture.postForm("/authorize", parameters + [("sub", "alice")])] {
                    #expect(response.status == 302, "\(changes)")
                    let query = response.locationQuery
                    #expect(response.header("location")?.hasPrefix(OIDCFixture.redirectURI + "?error=") == true, "\(changes)")
                    #expect(query.first("error") == error, "\(changes)")
                    #expect(query.first("error_description")?.isEmpty == false)
                    #expect(query.first("state") == "af0ifjsldkj")
                    #expect(query.first("iss") == fixture.server.issuer)
                    #expect(query.first("code") == nil)
                }
            }
            // A repeated parameter (RFC 6749 §3.1).
            let repeated = try await fixture.authorize(fixture.authorizationParameters(pkce: pkce) + [("scope", "openid")])
            #expect(repeated.locationQuery.first("error") == "invalid_request")
        }
    }

    @Test func unknownSubjectAndCancel() async throws {
        try await withStandIn { fixture in
            let pkce = PKCE()
            let unknown = try await fixture.postForm("/authorize", fixture.authorizationParameters(pkce: pkce) + [("sub", "nobody")])
            #expect(unknown.status == 400)
            #expect(unknown.header("location") == nil)
            let cancelled = try await fixture.postForm("/authorize", fixture.authorizationParameters(pkce: pkce) + [("deny", "1")])
            #expect(cancelled.status == 302)
            #expect(cancelled.locationQuery.first("error") == "access_denied")
            #expect(cancelled.locationQuery.first("state") == "af0ifjsldkj")
        }
    }

    @Test func logoutRedirectsOnlyWhereTheClientMayGo() async throws {
        try await withStandIn { fixture in
            let page = try await fixture.request("GET", "/logout")
            #expect(page.status == 200)
            #expect(page.text.contains("Signed out"))
            let back = try await fixture.request("GET", "/logout?" + PercentEncoding.form([
                ("post_logout_redirect_uri", "http://localhost:8080/signed-out"), ("state", "s1"), ("client_id", OIDCFixture.clientID)]))
            #expect(back.status == 302)
            #expect(back.header("location") == "http://localhost:8080/signed-out?state=s1")
            let foreign = try await fixture.request("GET", "/logout?" + PercentEncoding.form([("post_logout_redirect_uri", "https://evil.example/")]))
            #expect(foreign.status == 400)
            #expect(foreign.header("location") == nil)
        }
    }
}

extension String {
    /// How often `literal` occurs (no Foundation).
    func occurrences(of literal: String) -> Int {
        var count = 0
        var rest = Substring(self)
        while let index = rest.firstRange(of: literal) {
            count += 1
            rest = rest[index.upperBound...]
        }
        return count
    }
}
