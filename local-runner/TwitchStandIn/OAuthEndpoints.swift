import URLEncoding
import JSONValue

/// `POST /oauth2/token` (client credentials) and `GET /oauth2/validate`, with the OAuth error
/// shape `{"status":…,"message":…}`.
extension TwitchStandInServer {
    func issueToken(_ request: StandInRequest) -> StandInResponse {
        // Twitch takes the parameters from the query string or a form body.
        let parameters = request.query.merging(QueryItems(String(decoding: request.body, as: UTF8.self)))
        guard let grantType = parameters.first("grant_type"), !grantType.isEmpty else {
            return .oauthError(400, "missing grant_type")
        }
        guard grantType == "client_credentials" else { return .oauthError(400, "unsupported grant type") }
        guard let clientID = parameters.first("client_id"), !clientID.isEmpty else { return .oauthError(400, "missing client id") }
        guard clientID == configuration.clientID else { return .oauthError(400, "invalid client") }
        guard let secret = parameters.first("client_secret"), !secret.isEmpty else { return .oauthError(400, "missing client secret") }
        guard secret == configuration.clientSecret else { return .oauthError(403, "invalid client secret") }
        let token = state.issueToken()
        return .json(200, ["access_token": .string(token), "expires_in": .int(Int64(configuration.tokenLifetimeSeconds)),
                           "token_type": "bearer"])
    }

    func validateToken(_ request: StandInRequest) -> StandInResponse {
        guard let authorization = request.header("authorization"), !authorization.isEmpty else {
            return .oauthError(401, "missing authorization token")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, ["oauth", "bearer"].contains(parts[0].lowercased()),
              let remaining = state.remainingSeconds(ofToken: String(parts[1]))
        else { return .oauthError(401, "invalid access token") }
        // App access tokens carry no user: no login, no user_id, no scopes.
        return .json(200, ["client_id": .string(configuration.clientID), "scopes": [], "expires_in": .int(Int64(remaining))])
    }
}
