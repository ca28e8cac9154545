public import JSONValue

/// A person who can sign in: a stable public subject id and the claims the provider asserts
/// about them (`email`, `email_verified`, `name` and anything else, such as Google's `hd` or
/// Entra's `tid`).
public struct OIDCStandInUser: Sendable, Equatable {
    /// Never reassigned; what a relying party must key accounts on (OIDC Core §5.7).
    public let sub: String
    /// Without `sub` and the protocol claims (`iss`, `aud`, `exp`, …), which the stand-in sets.
    public var claims: [String: JSONValue]

    public init(sub: String, claims: [String: JSONValue]) {
        self.sub = sub
        self.claims = claims
    }

    public init(sub: String, email: String, emailVerified: Bool = true, name: String, extraClaims: [String: JSONValue] = [:]) {
        var claims = extraClaims
        claims["email"] = .string(email)
        claims["email_verified"] = .bool(emailVerified)
        claims["name"] = .string(name)
        self.init(sub: sub, claims: claims)
    }

    public var email: String? { claims["email"]?.stringValue }
    public var name: String? { claims["name"]?.stringValue }

    /// `{"sub":…, claims…}`, as the control endpoints show a user.
    public var json: JSONValue {
        var object = claims
        object["sub"] = .string(sub)
        return .object(object)
    }

    /// The test users: two at the agency, one elsewhere, and one whose address the provider
    /// never verified (a relying party must not link accounts by it).
    public static let defaults: [OIDCStandInUser] = [
        OIDCStandInUser(sub: "alice", email: "alice@agency.test", name: "Alice Owner"),
        OIDCStandInUser(sub: "bob", email: "bob@agency.test", name: "Bob Admin"),
        OIDCStandInUser(sub: "carol", email: "carol@other.test", name: "Carol Viewer"),
        OIDCStandInUser(sub: "mallory", email: "mallory@agency.test", emailVerified: false, name: "Mallory Unverified"),
    ]

    /// Claims that describe the token rather than the person; the stand-in sets them itself, so
    /// a user's claims may not carry them (`POST /_stand-in/next-id-token` changes them instead).
    static let protocolClaims: Set<String> = ["iss", "sub", "aud", "azp", "exp", "iat", "nbf", "auth_time", "nonce", "at_hash", "c_hash", "jti", "acr", "amr"]
}
