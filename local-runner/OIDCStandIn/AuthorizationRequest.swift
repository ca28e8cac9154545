import URLEncoding

/// A checked authorization request (OIDC Core §3.1.2.1 with RFC 7636 PKCE). The same checks run
/// on the sign-in page's POST as on the first GET: the page's hidden fields are just a copy of
/// the request and prove nothing.
struct AuthorizationRequest: Sendable {
    let clientID: String
    let redirectURI: String
    let state: String?
    let nonce: String?
    let codeChallenge: String
    let scopes: [String]
    let loginHint: String?
    /// Every parameter as received (the sign-in page posts them back).
    let parameters: ProtocolParameters

    /// Why a request was refused. Without a trustworthy redirect URI the error goes to the
    /// person at the browser (a 400 page) and never to a URL from the request: redirecting to it
    /// would make the provider an open redirector (RFC 6749 §4.1.2.1).
    enum Refusal: Error {
        case cannotRedirect(String)
        case redirect(AuthorizationError)
    }

    static func check(_ parameters: ProtocolParameters, clients: [String: OIDCStandInClient], issuer: String) -> Result<AuthorizationRequest, Refusal> {
        guard let clientID = parameters["client_id"] else { return .failure(.cannotRedirect("client_id is missing.")) }
        guard !parameters.isRepeated("client_id") else { return .failure(.cannotRedirect("client_id is repeated.")) }
        guard let client = clients[clientID] else { return .failure(.cannotRedirect("The client is not registered with this provider.")) }
        guard let redirectURI = parameters["redirect_uri"] else { return .failure(.cannotRedirect("redirect_uri is missing.")) }
        guard !parameters.isRepeated("redirect_uri") else { return .failure(.cannotRedirect("redirect_uri is repeated.")) }
        guard client.allows(redirectURI: redirectURI) else {
            return .failure(.cannotRedirect(client.redirectURIs.isEmpty
                ? "redirect_uri is not a loopback URL (http://127.0.0.1:<port>/… or http://localhost:<port>/…) and this client has no registered redirect URIs."
                : "redirect_uri is not registered for this client."))
        }

        // From here on errors go back to the client, with its state and our issuer (RFC 9207).
        let state = parameters.isRepeated("state") ? nil : parameters["state"]
        func refuse(_ code: String, _ description: String) -> Result<AuthorizationRequest, Refusal> {
            .failure(.redirect(AuthorizationError(redirectURI: redirectURI, error: code, description: description, state: state, issuer: issuer)))
        }
        if let repeated = parameters.repeatedName { return refuse("invalid_request", "the parameter \(repeated) is repeated") }
        guard let responseType = parameters["response_type"] else { return refuse("invalid_request", "response_type is missing") }
        guard responseType == "code" else { return refuse("unsupported_response_type", "only response_type code is supported") }
        if let mode = parameters["response_mode"], mode != "query" {
            return refuse("invalid_request", "only response_mode query is supported")
        }
        if parameters["request"] != nil { return refuse("request_not_supported", "request objects are not supported") }
        if parameters["request_uri"] != nil { return refuse("request_uri_not_supported", "request_uri is not supported") }
        let requestedScopes = (parameters["scope"] ?? "").split(separator: " ").map(String.init)
        guard requestedScopes.contains("openid") else { return refuse("invalid_scope", "scope must contain openid") }
        guard let challenge = parameters["code_challenge"] else { return refuse("invalid_request", "code_challenge is required (PKCE, RFC 7636)") }
        guard let method = parameters["code_challenge_method"], method == "S256" else {
            return refuse("invalid_request", "code_challenge_method must be S256; plain is not accepted")
        }
        guard isPKCEValue(challenge) else { return refuse("invalid_request", "code_challenge must be 43 to 128 unreserved characters") }
        if let maxAge = parameters["max_age"], !(maxAge.allSatisfy(\.isASCIIDigit) && maxAge.count <= 10) {
            return refuse("invalid_request", "max_age must be a number of seconds")
        }
        if let prompt = parameters["prompt"] {
            let values = prompt.split(separator: " ")
            if values.contains("none") {
                // OIDC Core §3.1.2.1: none with any other value is an error; alone, it asks for a
                // sign-in without interaction, and the stand-in keeps no sessions.
                if values.count > 1 { return refuse("invalid_request", "prompt none cannot be combined with other values") }
                return refuse("login_required", "the stand-in keeps no sessions; the user must choose an account")
            }
        }
        return .success(AuthorizationRequest(
            clientID: clientID, redirectURI: redirectURI, state: state, nonce: parameters["nonce"], codeChallenge: challenge,
            scopes: ScopeClaims.granted(from: requestedScopes.joined(separator: " ")), loginHint: parameters["login_hint"],
            parameters: parameters))
    }

    /// 43 to 128 characters of `A-Z a-z 0-9 - . _ ~` (RFC 7636 §4.1, §4.2).
    static func isPKCEValue(_ value: String) -> Bool {
        (43...128).contains(value.utf8.count) && value.utf8.allSatisfy(PercentEncoding.isUnreserved)
    }
}

/// An error response sent to the client's redirect URI (RFC 6749 §4.1.2.1, RFC 9207 §2).
struct AuthorizationError: Sendable {
    let redirectURI: String
    let error: String
    /// ASCII without `"` and `\` (RFC 6749 §4.1.2.1 limits the characters).
    let description: String
    let state: String?
    let issuer: String

    var location: String {
        var parameters = [("error", error), ("error_description", description)]
        if let state { parameters.append(("state", state)) }
        parameters.append(("iss", issuer))
        return RedirectURI.adding(parameters, to: redirectURI)
    }
}
