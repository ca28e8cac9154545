import Base64Encoding
import BlockingIO
import JSONValue
import OIDCStandIn
import Testing
import URLEncoding

@Suite struct TokenTests {
    @Test func theFullCodeFlowWithBasicAuthenticationGivesAVerifiableIDToken() async throws {
        try await withStandIn { fixture in
            let pkce = PKCE()
            let code = try await fixture.code(for: "alice", pkce: pkce)
            let response = try await fixture.exchange(code: code, verifier: pkce.verifier)
            #expect(response.status == 200, "\(response.text)")
            #expect(response.header("content-type") == "application/json")
            #expect(response.header("cache-control") == "no-store")
            #expect(response.header("pragma") == "no-cache")
            let body = response.json
            #expect(body["token_type"] == "Bearer")
            #expect(body["expires_in"] == 3600)
            #expect(body["scope"] == "openid email profile")
            #expect(try #require(body["access_token"]?.stringValue).utf8.count >= 43)

            let token = try DecodedJWT(try #require(body["id_token"]?.stringValue))
            let keys = try await fixture.jwks()
            #expect(token.header["alg"] == "RS256")
            #expect(token.header["typ"] == "JWT")
            let kid = try #require(token.header["kid"]?.stringValue)
            #expect(token.isSigned(by: try #require(keys[kid])))
            let claims = token.claims
            let issuer = try #require(fixture.server.issuer)
            #expect(claims["iss"] == .string(issuer))
            #expect(claims["sub"] == "alice")
            #expect(claims["aud"] == .string(OIDCFixture.clientID))
            #expect(claims["azp"] == .string(OIDCFixture.clientID))
            #expect(claims["nonce"] == "n-0S6_WzA2Mj")
            #expect(claims["email"] == "alice@agency.test")
            #expect(claims["email_verified"] == true)
            #expect(claims["name"] == "Alice Owner")
            let now = Int64(wallClockSeconds())
            let iat = try #require(claims["iat"]?.int64Value)
            let exp = try #require(claims["exp"]?.int64Value)
            #expect(abs(iat - now) <= 5)
            #expect(exp == iat + 300)
            let authTime = try #require(claims["auth_time"]?.int64Value)
            #expect(authTime <= iat && iat - authTime <= 5)
            // A tampered payload no longer verifies.
            let forged = try DecodedJWT(try #require(body["id_token"]?.stringValue).replacingFirstPayloadClaim())
            #expect(!forged.isSigned(by: try #require(keys[kid])))
        }
    }

    @Test func clientSecretPostAndNarrowScopesAndNoNonce() async throws {
        try await withStandIn { fixture in
            let pkce = PKCE()
            let query = try await fixture.signIn(as: "mallory", fixture.authorizationParameters(pkce: pkce, nonce: nil, scope: "openid email unknown-scope"))
            let code = try #require(query.first("code"))
            let response = try await fixture.exchange(code: code, verifier: pkce.verifier,
                                                      auth: .post(id: OIDCFixture.clientID, secret: OIDCFixture.clientSecret))
            #expect(response.status == 200, "\(response.text)")
            #expect(response.json["scope"] == "openid email")
            let claims = try DecodedJWT(try #require(response.json["id_token"]?.stringValue)).claims
            #expect(claims["sub"] == "mallory")
            #expect(claims["email_verified"] == false)
            #expect(claims["name"] == nil, "name needs the profile scope")
            #expect(claims["nonce"] == nil, "no nonce was sent")
        }
    }

    @Test func pkceVerifierMustMatchAndBePresent() async throws {
        try await withStandIn { fixture in
            let pkce = PKCE()
            let wrong = try await fixture.exchange(code: try await fixture.code(pkce: pkce), verifier: PKCE().verifier)
            #expect(wrong.status == 400)
            #expect(wrong.json["error"] == "invalid_grant")
            #expect(wrong.json["error_description"]?.stringValue?.isEmpty == false)
            #expect(wrong.header("cache-control") == "no-store")
            let missing = try await fixture.exchange(code: try await fixture.code(pkce: pkce), verifier: nil)
            #expect(missing.status == 400)
            #expect(missing.json["error"] == "invalid_grant")
            // The verifier is not the challenge (that would be plain).
            let plain = try await fixture.exchange(code: try await fixture.code(pkce: pkce), verifier: pkce.challenge)
            #expect(plain.json["error"] == "invalid_grant")
            // A failed attempt uses the code up.
            let code = try await fixture.code(pkce: pkce)
            #expect(try await fixture.exchange(code: code, verifier: PKCE().verifier).json["error"] == "invalid_grant")
            #expect(try await fixture.exchange(code: code, verifier: pkce.verifier).json["error"] == "invalid_grant")
        }
    }

    @Test func aCodeUsedTwiceIsRefusedAndItsAccessTokenRevoked() async throws {
        try await withStandIn { fixture in
            let pkce = PKCE()
            let code = try await fixture.code(pkce: pkce)
            let first = try await fixture.exchange(code: code, verifier: pkce.verifier)
            #expect(first.status == 200)
            let accessToken = try #require(first.json["access_token"]?.stringValue)
            let before = try await fixture.request("GET", "/userinfo", headers: [("Authorization", "Bearer " + accessToken)])
            #expect(before.status == 200)
            #expect(before.json["sub"] == "alice")

            let second = try await fixture.exchange(code: code, verifier: pkce.verifier)
            #expect(second.status == 400)
            #expect(second.json["error"] == "invalid_grant")
            let after = try await fixture.request("GET", "/userinfo", headers: [("Authorization", "Bearer " + accessToken)])
            #expect(after.status == 401)
            #expect(after.header("www-authenticate")?.contains("error=\"invalid_token\"") == true)
            #expect(after.json["error"] == "invalid_token")
        }
    }

    @Test func codesAreBoundToClientAndRedirectURIAndExpire() async throws {
        let configuration = OIDCStandInConfiguration(
            clients: [OIDCFixture.clientID: OIDCStandInClient(secret: OIDCFixture.clientSecret),
                      "second": OIDCStandInClient(secret: "second-secret")],
            codeLifetimeSeconds: 1)
        try await withStandIn(configuration) { fixture in
            let pkce = PKCE()
            let code = try await fixture.code(pkce: pkce)
            let otherClient = try await fixture.exchange(code: code, verifier: pkce.verifier, auth: .basic(id: "second", secret: "second-secret"))
            #expect(otherClient.json["error"] == "invalid_grant")
            let otherRedirect = try await fixture.exchange(code: try await fixture.code(pkce: pkce), verifier: pkce.verifier,
                                                           redirectURI: "http://127.0.0.1:9/other")
            #expect(otherRedirect.json["error"] == "invalid_grant")
            let unknown = try await fixture.exchange(code: "not-a-code", verifier: pkce.verifier)
            #expect(unknown.json["error"] == "invalid_grant")
            let late = try await fixture.code(pkce: pkce)
            try await Task.sleep(nanoseconds: 1_200_000_000)
            let expired = try await fixture.exchange(code: late, verifier: pkce.verifier)
            #expect(expired.status == 400)
            #expect(expired.json["error"] == "invalid_grant")
        }
    }

    @Test func clientAuthenticationFailures() async throws {
        try await withStandIn { fixture in
            let pkce = PKCE()
            for auth: OIDCFixture.ClientAuth in [.basic(id: OIDCFixture.clientID, secret: "wrong"), .post(id: OIDCFixture.clientID, secret: "wrong"),
                                                 .basic(id: "nobody", secret: "x"), .none] {
                let response = try await fixture.exchange(code: try await fixture.code(pkce: pkce), verifier: pkce.verifier, auth: auth)
                #expect(response.status == 401, "\(auth)")
                #expect(response.json["error"] == "invalid_client", "\(auth)")
                #expect(response.header("www-authenticate") == "Basic realm=\"oidc-stand-in\"", "\(auth)")
            }
            // Two methods at once.
            let both = try await fixture.exchange(code: try await fixture.code(pkce: pkce), verifier: pkce.verifier,
                                                  extra: [("client_secret", OIDCFixture.clientSecret)])
            #expect(both.status == 400)
            #expect(both.json["error"] == "invalid_request")
            // Only forms.
            let json = try await fixture.json("POST", "/token", ["grant_type": "authorization_code", "code": "x"])
            #expect(json.status == 400)
            #expect(json.json["error"] == "invalid_request")
            let unknownCode = try await fixture.exchange(code: "x", verifier: nil).json
            #expect(unknownCode["error"] == "invalid_grant")
            let refresh = try await fixture.postForm("/token", [("grant_type", "refresh_token"), ("refresh_token", "x"),
                                                                ("client_id", OIDCFixture.clientID), ("client_secret", OIDCFixture.clientSecret)])
            #expect(refresh.status == 400)
            #expect(refresh.json["error"] == "unsupported_grant_type")
            let get = try await fixture.request("GET", "/token")
            #expect(get.status == 405)
        }
    }

    /// Id and secret are form-encoded before base64 (RFC 6749 §2.3.1), so colons and spaces survive.
    @Test func basicCredentialsAreFormEncodedBeforeBase64() async throws {
        let configuration = OIDCStandInConfiguration(clients: ["app:1 x": OIDCStandInClient(secret: "s3cr%t:+/ ")])
        try await withStandIn(configuration) { fixture in
            let pkce = PKCE()
            let code = try await fixture.code(pkce: pkce, changes: ["client_id": "app:1 x"])
            let response = try await fixture.exchange(code: code, verifier: pkce.verifier, auth: .basic(id: "app:1 x", secret: "s3cr%t:+/ "))
            #expect(response.status == 200, "\(response.text)")
            #expect(try DecodedJWT(try #require(response.json["id_token"]?.stringValue)).claims["aud"] == "app:1 x")
        }
    }
}

extension String {
    /// The same JWS with `"sub"` in the payload changed (for a signature that must fail).
    func replacingFirstPayloadClaim() throws -> String {
        let parts = split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let claims = try JSONParser.parse(try #require(Base64URL.decode(parts[1])))
        var members = try #require(claims.objectValue)
        members["sub"] = "bob"
        return parts[0] + "." + Base64URL.encode(Array(JSONWriter.string(.object(members)).utf8)) + "." + parts[2]
    }
}
