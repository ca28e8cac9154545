/// An identity provider the operator configured: Google Workspace, Microsoft Entra ID or any
/// standards-compliant OpenID provider, by issuer URL and client credentials alone (endpoints and
/// keys come from discovery).
public struct OpenIDProvider: Sendable, Equatable {
    /// Short name used in URLs (`/auth/login/{id}`) and settings (`OIDC_{ID}_…`).
    public let id: String
    /// Shown on the sign-in page.
    public let displayName: String
    /// Exactly as the provider states it in discovery and in its tokens.
    public let issuer: String
    public let clientID: String
    public let clientSecret: String
    /// The ID token algorithms accepted from this provider (RS256 and/or ES256), pinned: a token
    /// whose header names anything else (`none`, HS256, …) is refused before any key is looked at.
    public let algorithms: [IDTokenAlgorithm]
    /// Google's `hd` claim (Workspace domain) that must be present in the ID token, if any.
    public let hostedDomain: String?

    public init(id: String, displayName: String, issuer: String, clientID: String, clientSecret: String,
                algorithms: [IDTokenAlgorithm] = [.rs256], hostedDomain: String? = nil) {
        self.id = id
        self.displayName = displayName
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.algorithms = algorithms
        self.hostedDomain = hostedDomain
    }
}

public enum IDTokenAlgorithm: String, Sendable, CaseIterable {
    case rs256 = "RS256"
    case es256 = "ES256"
}

/// Why a sign-in failed. `code` is stable (audit rows, error pages, tests); the message is safe
/// to show.
public struct OpenIDError: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
