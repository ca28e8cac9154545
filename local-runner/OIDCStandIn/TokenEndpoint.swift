import BlockingIO
import Logging
import JSONValue

/// `POST /token`: the authorization code grant (RFC 6749 §4.1.3, §5; RFC 7636 §4.5–4.6).
extension OIDCStandInServer {
    func token(_ request: OIDCRequest) -> OIDCResponse {
        guard request.method == "POST" else { return .methodNotAllowed("POST") }
        guard request.isForm else {
            return .oauthError(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
        }
        let form = ProtocolParameters(request.form)
        if let repeated = form.repeatedName { return .oauthError(400, "invalid_request", "the parameter \(repeated) is repeated") }
        let clientID: String
        let client: OIDCStandInClient
        switch ClientAuthentication.authenticate(request, form: form, clients: configuration.clients) {
        case .success(let authenticated): (clientID, client) = authenticated
        case .failure(let response): return response
        }
        guard let grantType = form["grant_type"] else { return .oauthError(400, "invalid_request", "grant_type is missing") }
        guard grantType == "authorization_code" else {
            return .oauthError(400, "unsupported_grant_type", "only grant_type authorization_code is supported")
        }
        guard let code = form["code"] else { return .oauthError(400, "invalid_request", "code is missing") }

        let exchanged = state.exchange(code: code, clientID: clientID, redirectURI: form["redirect_uri"], verifier: form["code_verifier"])
        let grant: AuthorizationGrant
        let accessToken: String
        let override: IDTokenOverride?
        switch exchanged {
        case .success(let result): (grant, accessToken, override) = result
        case .failure(let refusal):
            logger.info("token request refused", metadata: ["client_id": .string(clientID), "reason": .string(refusal.description)])
            return .oauthError(400, "invalid_grant", refusal.description)
        }
        let idToken: String
        do {
            idToken = try minter().token(grant: grant, user: state.user(sub: grant.sub), accessToken: accessToken, clientSecret: client.secret,
                                         now: Int64(wallClockSeconds()), override: override)
        } catch {
            logger.error("signing the ID token failed", metadata: ["error": .string("\(error)")])
            return .oauthError(500, "server_error", "signing the ID token failed")
        }
        logger.info("tokens issued", metadata: ["client_id": .string(clientID), "sub": .string(grant.sub),
                                                "override": .string(override.map { $0.algorithm.rawValue } ?? "-")])
        return .json(200, [
            "access_token": .string(accessToken), "token_type": "Bearer",
            "expires_in": .int(Int64(configuration.accessTokenLifetimeSeconds)),
            "scope": .string(grant.scopes.joined(separator: " ")), "id_token": .string(idToken),
        ], headers: OIDCResponse.noStore)
    }
}
