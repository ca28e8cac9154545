import URLEncoding

/// The parameters of `/oauth2/authorize`, checked in Twitch's order. Both the GET from the
/// client and the POST from the consent page go through the same checks.
struct AuthorizeRequest {
    let clientID: String
    let redirectURI: String
    /// Each once, in the order asked.
    let scopes: [String]
    let state: String?
    let forceVerify: String?

    /// The parameters to carry through the consent form, in a stable order.
    var formFields: [(String, String)] {
        var fields = [("client_id", clientID), ("redirect_uri", redirectURI), ("response_type", "code"),
                      ("scope", scopes.joined(separator: " "))]
        if let state { fields.append(("state", state)) }
        if let forceVerify { fields.append(("force_verify", forceVerify)) }
        return fields
    }

    static let redirectMismatch = "Parameter redirect_uri does not match registered URI"

    /// The request, or the answer to give instead: a JSON error where the redirect URI cannot be
    /// trusted, a redirect to the registered URI otherwise.
    static func parse(_ parameters: QueryItems, configuration: StandInConfiguration) -> Result<AuthorizeRequest, StandInResponse> {
        let state = parameters.first("state").flatMap { $0.isEmpty ? nil : $0 }
        guard let clientID = parameters.first("client_id"), !clientID.isEmpty else {
            return .failure(.oauthError(400, "missing client id"))
        }
        guard clientID == configuration.clientID else { return .failure(.oauthError(400, "invalid client")) }

        let redirectURI = parameters.first("redirect_uri") ?? ""
        if let registered = configuration.redirectURIs.first {
            guard configuration.redirectURIs.contains(redirectURI) else {
                // Twitch's long-standing behaviour (twitchdev/issues#762): on a mismatch it sends
                // the error to the *first* registered URI, never to the one passed.
                var error = [("error", "redirect_mismatch"), ("error_description", redirectMismatch)]
                if let state { error.append(("state", state)) }
                return .failure(.redirect(to: AuthorizeRedirect.adding(error, to: registered)))
            }
        } else {
            // Nothing registered (local set-ups): any http(s) URI without a fragment will do.
            guard TwitchStandInServer.isHTTPURL(redirectURI), !redirectURI.contains("#") else {
                return .failure(.oauthError(400, redirectMismatch))
            }
        }

        // Twitch also has the implicit grant (`token`); the stand-in serves the code flow only and
        // refuses the rest without redirecting (what Twitch answers is unconfirmed).
        guard parameters.first("response_type") == "code" else {
            return .failure(.oauthError(400, "unsupported response_type: the stand-in supports code"))
        }
        guard let scopeText = parameters.first("scope") else { return .failure(.oauthError(400, "missing scope")) }
        let scopes = OAuthScopes.parse(scopeText)
        guard !scopes.isEmpty else { return .failure(.oauthError(400, "missing scope")) }
        if let unknown = OAuthScopes.firstUnknown(in: scopes) {
            // Twitch refuses unknown scopes with a 400 "invalid scope requested" (reported by
            // clients that asked for retired v5 scopes), not with a redirect.
            return .failure(.oauthError(400, "invalid scope requested: '\(unknown)'"))
        }
        let forceVerify = parameters.first("force_verify").flatMap { $0.isEmpty ? nil : $0 }
        return .success(AuthorizeRequest(clientID: clientID, redirectURI: redirectURI, scopes: scopes, state: state, forceVerify: forceVerify))
    }
}

/// Building the redirects back to the client.
enum AuthorizeRedirect {
    /// `uri` with `parameters` added to its query (keeping a query it has). Spaces become `+`, as
    /// in Twitch's redirects (`scope=…+…`, `error_description=The+user+denied+you+access`).
    static func adding(_ parameters: [(String, String)], to uri: String) -> String {
        PercentEncoding.appendingQuery(parameters, to: uri, spaceAsPlus: true)
    }
}
