import Base64Encoding
import JSONValue

/// `GET` and `POST /logout` (the `end_session_endpoint` of RP-Initiated Logout 1.0). The stand-in
/// keeps no sessions, so there is nothing to end; it only sends the browser back, and only to a
/// URI the client may use.
extension OIDCStandInServer {
    func logout(_ request: OIDCRequest) -> OIDCResponse {
        let parameters: ProtocolParameters
        switch request.method {
        case "GET": parameters = ProtocolParameters(request.query)
        case "POST" where request.isForm: parameters = ProtocolParameters(request.form)
        case "POST": return .html(400, HTMLPage.error("The logout form must be posted as application/x-www-form-urlencoded."))
        default:
            var response = OIDCResponse.html(405, HTMLPage.error("The logout endpoint takes GET or POST."))
            response.headers.append(("Allow", "GET, POST"))
            return response
        }
        guard let target = parameters["post_logout_redirect_uri"] else { return .html(200, HTMLPage.signedOut()) }
        // The client named by client_id, else the audience of id_token_hint, else any client.
        let candidates: [OIDCStandInClient]
        if let clientID = parameters["client_id"] ?? parameters["id_token_hint"].flatMap(Self.audience(ofIDToken:)) {
            guard let client = configuration.clients[clientID] else {
                return .html(400, HTMLPage.error("The client is not registered with this provider."))
            }
            candidates = [client]
        } else {
            candidates = Array(configuration.clients.values)
        }
        guard candidates.contains(where: { $0.allows(redirectURI: target) }) else {
            return .html(400, HTMLPage.error("post_logout_redirect_uri is not allowed for this client."))
        }
        let back = parameters["state"].map { RedirectURI.adding([("state", $0)], to: target) } ?? target
        return .redirect(to: back)
    }

    /// The `aud` of an ID token the stand-in issued (unverified: it only picks which client's
    /// redirect rule applies, and any client's rule would be acceptable without it).
    static func audience(ofIDToken token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(parts[1]), let claims = try? JSONParser.parse(payload) else { return nil }
        return claims["aud"]?.stringValue ?? claims["aud"]?.arrayValue?.first?.stringValue
    }
}
