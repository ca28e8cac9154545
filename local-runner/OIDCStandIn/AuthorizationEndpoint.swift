import BlockingIO
import Logging

/// `GET` and `POST /authorize`: checks the request, shows the account chooser, and on a choice
/// redirects back with a code (OIDC Core §3.1.2, RFC 6749 §4.1.2, RFC 9207).
extension OIDCStandInServer {
    func authorize(_ request: OIDCRequest) -> OIDCResponse {
        let parameters: ProtocolParameters
        switch request.method {
        case "GET":
            parameters = ProtocolParameters(request.query)
        case "POST":
            // OIDC Core §3.1.2.1: the request may also be a form POST; the chooser posts here too.
            guard request.isForm else { return .html(400, HTMLPage.error("The sign-in form must be posted as application/x-www-form-urlencoded.")) }
            parameters = ProtocolParameters(request.form)
        default:
            var response = OIDCResponse.html(405, HTMLPage.error("The authorization endpoint takes GET or POST."))
            response.headers.append(("Allow", "GET, POST"))
            return response
        }
        let issuer = currentIssuer
        let authorization: AuthorizationRequest
        switch AuthorizationRequest.check(parameters, clients: configuration.clients, issuer: issuer) {
        case .success(let checked): authorization = checked
        case .failure(.cannotRedirect(let message)): return .html(400, HTMLPage.error(message))
        case .failure(.redirect(let error)): return .redirect(to: error.location)
        }
        guard request.method == "POST" else { return signInPage(authorization) }
        if parameters["deny"] != nil {
            return .redirect(to: AuthorizationError(redirectURI: authorization.redirectURI, error: "access_denied",
                                                    description: "the user cancelled the sign-in", state: authorization.state, issuer: issuer).location)
        }
        guard let sub = parameters["sub"] else { return signInPage(authorization) }
        guard state.user(sub: sub) != nil else { return .html(400, HTMLPage.error("There is no test account with that subject.")) }
        let grant = AuthorizationGrant(
            clientID: authorization.clientID, redirectURI: authorization.redirectURI, sub: sub, nonce: authorization.nonce,
            codeChallenge: authorization.codeChallenge, scopes: authorization.scopes, authTime: Int64(wallClockSeconds()))
        let code = state.issueCode(for: grant, lifetimeSeconds: configuration.codeLifetimeSeconds)
        logger.info("signed in", metadata: ["client_id": .string(authorization.clientID), "sub": .string(sub)])
        var response = [("code", code)]
        if let requestState = authorization.state { response.append(("state", requestState)) }
        response.append(("iss", issuer))
        return .redirect(to: RedirectURI.adding(response, to: authorization.redirectURI))
    }

    private func signInPage(_ authorization: AuthorizationRequest) -> OIDCResponse {
        .html(200, SignInPage.render(request: authorization, users: state.users, action: Self.path(of: currentIssuer) + "/authorize"))
    }
}
