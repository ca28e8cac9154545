import URLEncoding
import JSONValue

/// `POST /oauth2/token` (client credentials, authorization code, refresh token),
/// `GET /oauth2/validate` and `POST /oauth2/revoke`, with the OAuth error shape
/// `{"status":…,"message":…}` (not RFC 6749's `error` codes; Twitch's own).
extension TwitchStandInServer {
    static let grantTypes: Set<String> = ["client_credentials", "authorization_code", "refresh_token"]

    func issueToken(_ request: StandInRequest) -> StandInResponse {
        let parameters = Self.oauthParameters(request)
        guard let grantType = parameters.first("grant_type"), !grantType.isEmpty else {
            return .oauthError(400, "missing grant_type")
        }
        guard Self.grantTypes.contains(grantType) else { return .oauthError(400, "unsupported grant type") }
        if let refusal = authenticateClient(parameters) { return refusal }
        switch grantType {
        case "authorization_code": return exchangeCode(parameters)
        case "refresh_token": return refreshToken(parameters)
        default:
            let token = state.issueToken()
            return .json(200, ["access_token": .string(token), "expires_in": .int(Int64(configuration.tokenLifetimeSeconds)),
                               "token_type": "bearer"])
        }
    }

    /// The client id and secret of a token request. The secret is required for every grant: Twitch
    /// has no PKCE, and an exchange without a secret fails with `missing client secret`.
    private func authenticateClient(_ parameters: QueryItems) -> StandInResponse? {
        guard let clientID = parameters.first("client_id"), !clientID.isEmpty else { return .oauthError(400, "missing client id") }
        guard clientID == configuration.clientID else { return .oauthError(400, "invalid client") }
        guard let secret = parameters.first("client_secret"), !secret.isEmpty else { return .oauthError(400, "missing client secret") }
        guard secret == configuration.clientSecret else { return .oauthError(403, "invalid client secret") }
        return nil
    }

    private func exchangeCode(_ parameters: QueryItems) -> StandInResponse {
        guard let code = parameters.first("code"), !code.isEmpty else { return .oauthError(400, "missing code") }
        switch state.exchange(code: code, redirectURI: parameters.first("redirect_uri") ?? "") {
        case .success(let pair):
            return userTokenResponse(pair)
        case .failure(.invalidCode):
            return .oauthError(400, "Invalid authorization code")
        case .failure(.redirectMismatch):
            // The message Twitch answers a token request with another redirect URI (seen in
            // client bug reports; the status of an exchange with a mismatch is not documented).
            return .oauthError(400, "Parameter redirect_uri does not match registered URI")
        }
    }

    private func refreshToken(_ parameters: QueryItems) -> StandInResponse {
        guard let refreshToken = parameters.first("refresh_token"), !refreshToken.isEmpty else {
            return .oauthError(400, "missing refresh token")
        }
        // Twitch ignores a `scope` parameter here: the new tokens carry the grant's scopes.
        guard let pair = state.refresh(refreshToken: refreshToken) else { return .oauthError(400, "Invalid refresh token") }
        return userTokenResponse(pair)
    }

    /// `scope` is an array here (`scopes` in validate), in the order the consent asked for them.
    private func userTokenResponse(_ pair: UserTokenStore.Pair) -> StandInResponse {
        .json(200, ["access_token": .string(pair.accessToken), "expires_in": .int(Int64(configuration.userTokenLifetimeSeconds)),
                    "refresh_token": .string(pair.refreshToken), "scope": .array(pair.scopes.map { .string($0) }),
                    "token_type": "bearer"])
    }

    func validateToken(_ request: StandInRequest) -> StandInResponse {
        guard let authorization = request.header("authorization"), !authorization.isEmpty else {
            return .oauthError(401, "missing authorization token")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, ["oauth", "bearer"].contains(parts[0].lowercased()),
              let owner = state.owner(ofToken: String(parts[1]))
        else { return .oauthError(401, "invalid access token") }
        guard let user = owner.user else {
            // App access tokens carry no user: no login, no user_id, no scopes.
            return .json(200, ["client_id": .string(configuration.clientID), "scopes": [], "expires_in": .int(Int64(owner.remainingSeconds))])
        }
        return .json(200, ["client_id": .string(configuration.clientID), "login": .string(user.login),
                           "scopes": .array(owner.scopes.map { .string($0) }), "user_id": .string(user.id),
                           "expires_in": .int(Int64(owner.remainingSeconds))])
    }

    /// Revoking ends the token (a user token together with its grant's refresh token) but not the
    /// user's authorization of the client: their scope-requiring subscriptions stay. Whether
    /// Twitch's revoke also drops the authorization is unconfirmed; keeping it is what the product
    /// must survive either way (it revokes its copy when unlinking, not Twitch's grant).
    func revokeToken(_ request: StandInRequest) -> StandInResponse {
        let parameters = Self.oauthParameters(request)
        guard let clientID = parameters.first("client_id"), !clientID.isEmpty else { return .oauthError(400, "missing client id") }
        guard clientID == configuration.clientID else { return .oauthError(404, "client does not exist") }
        guard let token = parameters.first("token"), !token.isEmpty else { return .oauthError(400, "missing token") }
        guard state.revoke(token: token) else { return .oauthError(400, "Invalid token") }
        return StandInResponse(status: 200, headers: [], body: [])
    }

    /// Twitch takes the parameters from the query string or a form body.
    static func oauthParameters(_ request: StandInRequest) -> QueryItems {
        request.query.merging(QueryItems(String(decoding: request.body, as: UTF8.self)))
    }
}
