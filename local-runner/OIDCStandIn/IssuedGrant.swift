/// What a user approved at `/authorize`, bound to the authorization code that stands for it.
struct AuthorizationGrant: Sendable {
    let clientID: String
    let redirectURI: String
    let sub: String
    let nonce: String?
    /// BASE64URL(SHA256(verifier)) (only S256 is accepted).
    let codeChallenge: String
    let scopes: [String]
    /// Unix seconds of the sign-in (`auth_time`).
    let authTime: Int64
}

/// An authorization code's record. Kept after use until its access token would have expired, so
/// a second use can be refused and the token it bought revoked (RFC 6749 §4.1.2).
struct IssuedCode: Sendable {
    let grant: AuthorizationGrant
    let expiresAt: Double
    var used = false
    /// The access token issued for it, if any.
    var accessToken: String?
}

/// An access token accepted at `/userinfo`.
struct IssuedAccessToken: Sendable {
    let sub: String
    let clientID: String
    let scopes: [String]
    let expiresAt: Double
}
