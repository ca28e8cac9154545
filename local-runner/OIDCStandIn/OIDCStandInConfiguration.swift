/// How the stand-in behaves. The defaults let a newcomer sign in locally with no set-up: one
/// confidential client whose redirect URIs may be any loopback URL, and four test users.
public struct OIDCStandInConfiguration: Sendable {
    /// The `iss` of every token and the prefix of every endpoint, exactly as relying parties
    /// compare it (no trailing slash). Nil: `http://127.0.0.1:<bound port>`, known once bound.
    public var issuer: String?
    /// Registered clients by `client_id`.
    public var clients: [String: OIDCStandInClient]
    /// The people on the sign-in page, in that order (more can be added while running).
    public var users: [OIDCStandInUser]
    /// `exp - iat` of ID tokens.
    public var idTokenLifetimeSeconds: Int
    /// How long an authorization code may wait for the token request (RFC 6749 §4.1.2 recommends
    /// at most 10 minutes).
    public var codeLifetimeSeconds: Int
    /// `expires_in` of access tokens; `/userinfo` refuses them after that.
    public var accessTokenLifetimeSeconds: Int

    public static let defaultClientID = "ccr-local"
    public static let defaultClientSecret = "ccr-local-secret"

    public init(
        issuer: String? = nil,
        clients: [String: OIDCStandInClient] = [OIDCStandInConfiguration.defaultClientID: OIDCStandInClient(secret: OIDCStandInConfiguration.defaultClientSecret)],
        users: [OIDCStandInUser] = OIDCStandInUser.defaults,
        idTokenLifetimeSeconds: Int = 300, codeLifetimeSeconds: Int = 60, accessTokenLifetimeSeconds: Int = 3600
    ) {
        self.issuer = issuer
        self.clients = clients
        self.users = users
        self.idTokenLifetimeSeconds = max(1, idTokenLifetimeSeconds)
        self.codeLifetimeSeconds = max(1, codeLifetimeSeconds)
        self.accessTokenLifetimeSeconds = max(1, accessTokenLifetimeSeconds)
    }
}

/// A registered confidential client.
public struct OIDCStandInClient: Sendable, Equatable {
    public var secret: String
    /// Allowed redirect URIs, compared exactly (OIDC Core §3.1.2.1). Empty: any loopback URI
    /// (`http://127.0.0.1:<any port>/…` or `http://localhost:<any port>/…`), so a product started
    /// on whatever port can sign in locally (the RFC 8252 §7.3 rule for loopback redirects).
    public var redirectURIs: [String]

    public init(secret: String, redirectURIs: [String] = []) {
        self.secret = secret
        self.redirectURIs = redirectURIs
    }

    /// Whether the client may receive codes (and be sent back after logout) at `uri`.
    public func allows(redirectURI uri: String) -> Bool {
        // RFC 6749 §3.1.2: a redirection endpoint MUST NOT have a fragment, registered or not.
        guard RedirectURI.isWellFormed(uri) else { return false }
        if redirectURIs.isEmpty { return RedirectURI.isLoopback(uri) }
        return redirectURIs.contains(uri)
    }
}
