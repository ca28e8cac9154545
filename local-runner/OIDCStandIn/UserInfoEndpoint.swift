import JSONValue

/// `GET` and `POST /userinfo` (OIDC Core §5.3) with `Authorization: Bearer <access token>` (RFC 6750 §2.1).
extension OIDCStandInServer {
    func userInfo(_ request: OIDCRequest) -> OIDCResponse {
        guard request.method == "GET" || request.method == "POST" else { return .methodNotAllowed("GET, POST") }
        let parts = (request.header("authorization") ?? "").trimmingSpaces.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            // RFC 6750 §3.1: a request without credentials gets the challenge but no error code.
            return OIDCResponse(status: 401, headers: [("WWW-Authenticate", "Bearer realm=\"oidc-stand-in\"")] + OIDCResponse.noStore, body: [])
        }
        guard let (user, scopes) = state.userInfo(accessToken: parts[1].trimmingSpaces) else {
            let description = "the access token is unknown, expired or revoked"
            return .oauthError(401, "invalid_token", description, headers: [
                ("WWW-Authenticate", "Bearer realm=\"oidc-stand-in\", error=\"invalid_token\", error_description=\"\(description)\""),
            ])
        }
        var claims = ScopeClaims.released(user.claims, scopes: scopes)
        claims["sub"] = .string(user.sub)
        return .json(200, .object(claims), headers: OIDCResponse.noStore)
    }
}
