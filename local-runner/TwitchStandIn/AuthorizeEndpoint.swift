import URLEncoding
import JSONValue

/// `GET /oauth2/authorize` (the client sends the user's browser here) and `POST /oauth2/authorize`
/// (the consent page's form). Approving adds the scopes to the user's grant and redirects with a
/// single-use code; cancelling redirects with `access_denied`.
extension TwitchStandInServer {
    func authorize(_ request: StandInRequest) async -> StandInResponse {
        let isForm = request.method == "POST"
        let parameters = isForm ? QueryItems(String(decoding: request.body, as: UTF8.self)) : request.query
        let authorization: AuthorizeRequest
        switch AuthorizeRequest.parse(parameters, configuration: configuration) {
        case .success(let value): authorization = value
        case .failure(let response): return response
        }
        guard isForm else {
            // force_verify changes nothing here: the stand-in has no sign-in session to skip the
            // page with, so without auto-approval it always asks.
            switch state.autoApproval {
            case .approve(let userID)?: return approve(authorization, userID: userID)
            case .deny?: return deny(authorization)
            case nil: return .html(200, ConsentPage.render(request: authorization, knownLogins: state.users.map(\.login)))
            }
        }
        switch parameters.first("decision") {
        case "deny":
            return deny(authorization)
        case "approve":
            let login = (parameters.first("login") ?? "").lowercased()
            guard let user = signIn(login: login) else {
                let problem = login.isEmpty ? "Enter the login of the user who signs in." : "There is no stand-in user \(login)."
                return .html(400, ConsentPage.render(request: authorization, knownLogins: state.users.map(\.login), login: login,
                                                     problem: problem))
            }
            return approve(authorization, userID: user.id)
        default:
            return .oauthError(400, "decision must be approve or deny")
        }
    }

    /// A known login, or a new user for a well-formed unknown one when the configuration creates
    /// unknown logins (as `GET /helix/users?login=` does).
    private func signIn(login: String) -> StandInUser? {
        if let user = state.user(login: login) { return user }
        guard configuration.createsUnknownLogins, StandInIdentifiers.isValidLogin(login) else { return nil }
        return try? state.addUser(login: login)
    }

    private func approve(_ authorization: AuthorizeRequest, userID: String) -> StandInResponse {
        guard let user = state.user(id: userID),
              let code = state.approve(userID: userID, scopes: authorization.scopes, redirectURI: authorization.redirectURI)
        else { return .oauthError(400, "unknown user \(userID)") }
        Task { _ = await self.announceGrant(of: user) }
        var parameters = [("code", code), ("scope", authorization.scopes.joined(separator: " "))]
        if let state = authorization.state { parameters.append(("state", state)) }
        return .redirect(to: AuthorizeRedirect.adding(parameters, to: authorization.redirectURI))
    }

    private func deny(_ authorization: AuthorizeRequest) -> StandInResponse {
        var parameters = [("error", "access_denied"), ("error_description", "The user denied you access")]
        if let state = authorization.state { parameters.append(("state", state)) }
        return .redirect(to: AuthorizeRedirect.adding(parameters, to: authorization.redirectURI))
    }
}
