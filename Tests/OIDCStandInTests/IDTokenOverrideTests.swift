import Base64Encoding
import Crypto
import JSONValue
import OIDCStandIn
import Testing

/// `POST /_stand-in/next-id-token`: each deviation lands in exactly one token response.
@Suite struct IDTokenOverrideTests {
    /// Runs a whole flow and returns the decoded ID token.
    func nextIDToken(_ fixture: OIDCFixture) async throws -> (raw: String, token: DecodedJWT) {
        let pkce = PKCE()
        let response = try await fixture.exchange(code: try await fixture.code(pkce: pkce), verifier: pkce.verifier)
        try #require(response.status == 200, "\(response.text)")
        let raw = try #require(response.json["id_token"]?.stringValue)
        return (raw, try DecodedJWT(raw))
    }

    func setNext(_ fixture: OIDCFixture, _ body: JSONValue) async throws {
        let response = try await fixture.json("POST", "/_stand-in/next-id-token", body)
        try #require(response.status == 200, "\(response.text)")
    }

    @Test func algNoneGivesAnUnsignedTokenOnce() async throws {
        try await withStandIn { fixture in
            try await setNext(fixture, ["alg": "none"])
            let (raw, token) = try await nextIDToken(fixture)
            #expect(token.header == ["alg": "none", "typ": "JWT"])
            #expect(raw.hasSuffix("."))
            #expect(token.signature.isEmpty)
            #expect(token.claims["sub"] == "alice")
            #expect(fixture.state.pendingIDTokenOverride == nil)
            let (_, next) = try await nextIDToken(fixture)
            #expect(next.header["alg"] == "RS256")
            #expect(next.isSigned(by: try #require(try await fixture.jwks()[fixture.server.signingKeyID])))
        }
    }

    @Test func hs256IsKeyedWithTheClientSecret() async throws {
        try await withStandIn { fixture in
            try await setNext(fixture, ["alg": "HS256"])
            let (_, token) = try await nextIDToken(fixture)
            #expect(token.header == ["alg": "HS256", "typ": "JWT"])
            let mac = HMAC<SHA256>.authenticationCode(for: Array(token.signingInput.utf8),
                                                      using: SymmetricKey(data: Array(OIDCFixture.clientSecret.utf8)))
            #expect(token.signature == Array(mac))
        }
    }

    @Test func unknownKeySignsWithAKeyTheJWKSDoesNotList() async throws {
        try await withStandIn { fixture in
            try await setNext(fixture, ["alg": "unknown-key"])
            let (_, token) = try await nextIDToken(fixture)
            let keys = try await fixture.jwks()
            #expect(token.header["alg"] == "RS256")
            let kid = try #require(token.header["kid"]?.stringValue)
            #expect(keys[kid] == nil)
            #expect(!token.isSigned(by: try #require(keys[fixture.server.signingKeyID])))
            #expect(token.signature.count == 256, "still a 2048-bit RSA signature")
        }
    }

    @Test func claimsAreOverriddenAndRemovedOnce() async throws {
        try await withStandIn { fixture in
            try await setNext(fixture, ["claims": ["aud": "someone-else", "iss": "https://evil.example", "exp": 1_000, "nonce": nil,
                                                   "email_verified": false, "hd": "agency.test"]])
            let (_, token) = try await nextIDToken(fixture)
            #expect(token.isSigned(by: try #require(try await fixture.jwks()[fixture.server.signingKeyID])), "claims only: still signed")
            #expect(token.claims["aud"] == "someone-else")
            #expect(token.claims["iss"] == "https://evil.example")
            #expect(token.claims["exp"] == 1_000)
            #expect(token.claims["nonce"] == nil)
            #expect(token.claims["email_verified"] == false)
            #expect(token.claims["hd"] == "agency.test")
            let (_, next) = try await nextIDToken(fixture)
            #expect(next.claims["aud"] == .string(OIDCFixture.clientID))
            #expect(next.claims["nonce"] == "n-0S6_WzA2Mj")
            #expect(next.claims["hd"] == nil)
        }
    }

    @Test func badOverridesAreRefused() async throws {
        try await withStandIn { fixture in
            for body: JSONValue in [["alg": "ES256"], ["claims": "x"], ["kid": "x"], "not an object"] {
                let response = try await fixture.json("POST", "/_stand-in/next-id-token", body)
                #expect(response.status == 400, "\(body)")
                #expect(response.json["error"] == "invalid_request")
            }
            #expect(fixture.state.pendingIDTokenOverride == nil)
            try await setNext(fixture, ["alg": "none"])
            #expect(try await fixture.request("DELETE", "/_stand-in/next-id-token").status == 204)
            #expect(try await nextIDToken(fixture).token.header["alg"] == "RS256")
        }
    }
}
