import JSONValue

/// `GET /.well-known/openid-configuration` (Discovery 1.0 §3–4) and `GET /jwks` (RFC 7517).
extension OIDCStandInServer {
    /// The provider metadata for `issuer`; every endpoint URL starts with it.
    static func discoveryDocument(issuer: String) -> JSONValue {
        [
            "issuer": .string(issuer),
            "authorization_endpoint": .string(issuer + "/authorize"),
            "token_endpoint": .string(issuer + "/token"),
            "jwks_uri": .string(issuer + "/jwks"),
            "userinfo_endpoint": .string(issuer + "/userinfo"),
            "end_session_endpoint": .string(issuer + "/logout"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": .array(ScopeClaims.supportedScopes.map { .string($0) }),
            "claims_supported": .array((["sub", "iss", "aud", "azp", "exp", "iat", "auth_time", "nonce", "at_hash"] + ScopeClaims.standardClaims)
                .map { .string($0) }),
            "authorization_response_iss_parameter_supported": true,
            // Discovery §3 defaults request_uri_parameter_supported to true; the stand-in has none.
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "claims_parameter_supported": false,
        ]
    }

    func discovery(_ request: OIDCRequest) -> OIDCResponse {
        guard request.method == "GET" else { return .methodNotAllowed("GET") }
        return .json(200, Self.discoveryDocument(issuer: currentIssuer))
    }

    func jwks(_ request: OIDCRequest) -> OIDCResponse {
        guard request.method == "GET" else { return .methodNotAllowed("GET") }
        return .json(200, ["keys": [signingKey.jwk]])
    }
}
