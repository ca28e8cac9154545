import JSONValue

/// The parts of a provider's discovery document (`{issuer}/.well-known/openid-configuration`,
/// OpenID Connect Discovery 1.0 §3) the sign-in uses.
public struct ProviderMetadata: Sendable, Equatable {
    public let issuer: String
    public let authorizationEndpoint: String
    public let tokenEndpoint: String
    public let jwksURI: String
    public let userinfoEndpoint: String?
    public let endSessionEndpoint: String?
    /// Empty when the provider does not list them (Entra): then client_secret_basic is assumed.
    public let tokenEndpointAuthMethods: [String]

    /// Parses and checks a discovery document: the required endpoints are there, and its
    /// `issuer` is exactly the configured one (Discovery §4.3: else an attacker's document could
    /// impersonate another issuer).
    public init(document text: String, expectedIssuer: String) throws(OpenIDError) {
        guard let document = try? JSONParser.parse(text), document.objectValue != nil else {
            throw OpenIDError("discovery_failed", "the provider's discovery document is not a JSON object")
        }
        guard let issuer = document["issuer"]?.stringValue, issuer == expectedIssuer else {
            throw OpenIDError("discovery_failed", "the discovery document's issuer differs from the configured issuer")
        }
        func endpoint(_ name: String) throws(OpenIDError) -> String {
            guard let value = document[name]?.stringValue, Self.isWebURL(value) else {
                throw OpenIDError("discovery_failed", "the discovery document has no usable \(name)")
            }
            return value
        }
        self.issuer = issuer
        authorizationEndpoint = try endpoint("authorization_endpoint")
        tokenEndpoint = try endpoint("token_endpoint")
        jwksURI = try endpoint("jwks_uri")
        userinfoEndpoint = document["userinfo_endpoint"]?.stringValue
        endSessionEndpoint = document["end_session_endpoint"]?.stringValue
        tokenEndpointAuthMethods = document["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func isWebURL(_ text: String) -> Bool {
        text.hasPrefix("https://") || text.hasPrefix("http://")
    }
}
