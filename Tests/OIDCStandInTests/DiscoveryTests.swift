import CryptoExtras
import JSONValue
import OIDCStandIn
import Testing

@Suite struct DiscoveryTests {
    @Test func discoveryDocumentNamesTheIssuerAndItsEndpoints() async throws {
        try await withStandIn { fixture in
            let response = try await fixture.request("GET", "/.well-known/openid-configuration")
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            let document = response.json
            let issuer = "http://127.0.0.1:\(fixture.port)"
            #expect(fixture.server.issuer == issuer)
            // Discovery §4.3: the issuer is exactly the URL the document was fetched under.
            #expect(document["issuer"] == .string(issuer))
            #expect(document["authorization_endpoint"] == .string(issuer + "/authorize"))
            #expect(document["token_endpoint"] == .string(issuer + "/token"))
            #expect(document["jwks_uri"] == .string(issuer + "/jwks"))
            #expect(document["userinfo_endpoint"] == .string(issuer + "/userinfo"))
            #expect(document["end_session_endpoint"] == .string(issuer + "/logout"))
            #expect(document["response_types_supported"] == ["code"])
            #expect(document["response_modes_supported"] == ["query"])
            #expect(document["grant_types_supported"] == ["authorization_code"])
            #expect(document["subject_types_supported"] == ["public"])
            #expect(document["id_token_signing_alg_values_supported"] == ["RS256"])
            #expect(document["code_challenge_methods_supported"] == ["S256"])
            #expect(document["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"])
            #expect(document["scopes_supported"] == ["openid", "email", "profile"])
            #expect(document["authorization_response_iss_parameter_supported"] == true)
            #expect(document["request_uri_parameter_supported"] == false)
            let claims = try #require(document["claims_supported"]?.arrayValue)
            for claim in ["sub", "iss", "aud", "exp", "iat", "nonce", "email", "email_verified", "name"] {
                #expect(claims.contains(.string(claim)), "claims_supported lacks \(claim)")
            }
            #expect(try await fixture.request("GET", "/healthz").text == "ok")
        }
    }

    @Test func aConfiguredIssuerWithAPathServesEveryEndpointUnderIt() async throws {
        let configuration = OIDCStandInConfiguration(issuer: "http://localhost:1/tenant-1/v2.0")
        try await withStandIn(configuration) { fixture in
            let document = try await fixture.request("GET", "/tenant-1/v2.0/.well-known/openid-configuration").json
            #expect(document["issuer"] == "http://localhost:1/tenant-1/v2.0")
            #expect(document["token_endpoint"] == "http://localhost:1/tenant-1/v2.0/token")
            let keys = try await fixture.request("GET", "/tenant-1/v2.0/jwks").json
            #expect(keys["keys"]?.arrayValue?.count == 1)
        }
    }

    @Test func jwksPublishesOneRS256SigningKey() async throws {
        try await withStandIn { fixture in
            let response = try await fixture.request("GET", "/jwks")
            #expect(response.status == 200)
            let keys = try #require(response.json["keys"]?.arrayValue)
            try #require(keys.count == 1)
            let key = keys[0]
            #expect(key["kty"] == "RSA")
            #expect(key["use"] == "sig")
            #expect(key["alg"] == "RS256")
            #expect(key["kid"] == .string(fixture.server.signingKeyID))
            #expect(key["e"] == "AQAB")
            let parsed = try await fixture.jwks()
            #expect(parsed[fixture.server.signingKeyID]?.keySizeInBits == 2048)
        }
    }
}
