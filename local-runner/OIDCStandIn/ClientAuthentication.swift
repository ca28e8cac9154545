import Base64Encoding
import URLEncoding

/// Authenticates a confidential client at the token endpoint by `client_secret_basic` (RFC 6749
/// §2.3.1: `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`) or
/// `client_secret_post` (`client_id` and `client_secret` in the form), never both at once.
enum ClientAuthentication {
    /// Sent with every 401: RFC 6749 §5.2 requires it when the client tried Basic, and HTTP
    /// (RFC 9110 §15.5.2) with any 401.
    static let challenge = ("WWW-Authenticate", "Basic realm=\"oidc-stand-in\"")

    static func authenticate(_ request: OIDCRequest, form: ProtocolParameters, clients: [String: OIDCStandInClient])
        -> Result<(id: String, client: OIDCStandInClient), OIDCResponse>
    {
        let id: String
        let secret: String
        if let authorization = request.header("authorization") {
            let parts = authorization.trimmingSpaces.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "basic" else {
                return .failure(refused("client authentication must be HTTP Basic or client_secret in the form"))
            }
            if form["client_secret"] != nil {
                return .failure(.oauthError(400, "invalid_request", "use one client authentication method, not Basic and client_secret together"))
            }
            guard let decoded = Base64.decode(parts[1].trimmingSpaces.utf8), let text = String(validating: decoded, as: UTF8.self),
                  let colon = text.firstIndex(of: ":"),
                  let decodedID = PercentEncoding.decode(text[..<colon], plusAsSpace: true),
                  let decodedSecret = PercentEncoding.decode(text[text.index(after: colon)...], plusAsSpace: true)
            else { return .failure(refused("the Basic credentials are malformed")) }
            if let formID = form["client_id"], formID != decodedID {
                return .failure(.oauthError(400, "invalid_request", "client_id in the form differs from the authenticated client"))
            }
            id = decodedID
            secret = decodedSecret
        } else {
            guard let formID = form["client_id"], let formSecret = form["client_secret"] else {
                return .failure(refused("client authentication is required (client_secret_basic or client_secret_post)"))
            }
            id = formID
            secret = formSecret
        }
        guard let client = clients[id] else { return .failure(refused("the client is not registered")) }
        guard Secrets.constantTimeEquals(secret, client.secret) else { return .failure(refused("the client secret is wrong")) }
        return .success((id, client))
    }

    private static func refused(_ description: String) -> OIDCResponse {
        .oauthError(401, "invalid_client", description, headers: [challenge])
    }
}
