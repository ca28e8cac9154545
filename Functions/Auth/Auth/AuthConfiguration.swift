import Base64Encoding
public import Crypto
public import OpenIDConnect
public import Settings

/// The auth function's settings, from the environment:
/// - `AUTH_PUBLIC_URL`: the product's public origin (`https://noc.example.com`); the providers
///   redirect back to `{AUTH_PUBLIC_URL}/auth/callback`, which must be registered with each.
/// - `JWT_ISSUER`, `JWT_AUDIENCE`: the `iss` and `aud` of the access tokens it issues (the same
///   settings every verifier reads).
/// - `OIDC_PROVIDERS`: comma-separated provider ids; for each id `X` (upper-cased, `-` → `_`):
///   `OIDC_X_ISSUER`, `OIDC_X_CLIENT_ID`, `OIDC_X_CLIENT_SECRET`, optional `OIDC_X_NAME` (sign-in
///   page), `OIDC_X_ALGORITHMS` (default `RS256`; `RS256,ES256`), `OIDC_X_HOSTED_DOMAIN` (Google
///   Workspace `hd` that must be in the ID token).
/// - `AUTH_KEY_ENCRYPTION_KEY`: base64 of 32 random bytes; seals the signing keys at rest.
/// - optional `AUTH_ACCESS_TOKEN_SECONDS` (default 600, at most 900), `AUTH_SESSION_DAYS`
///   (default 30: a session ends this long after sign-in), `AUTH_KEY_ROTATION_DAYS` (default 30),
///   `AUTH_COOKIE_SECURE` (default true).
public struct AuthConfiguration: Sendable {
    public var publicURL: String
    public var issuer: String
    public var audience: String
    public var providers: [OpenIDProvider]
    public var accessTokenSeconds: Int
    public var sessionSeconds: Int
    public var keyRotationSeconds: Int
    public var keyEncryptionKey: SymmetricKey
    public var secureCookies: Bool

    public init(publicURL: String, issuer: String, audience: String, providers: [OpenIDProvider], accessTokenSeconds: Int = 600,
                sessionSeconds: Int = 30 * 86_400, keyRotationSeconds: Int = 30 * 86_400, keyEncryptionKey: SymmetricKey,
                secureCookies: Bool = true) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.issuer = issuer
        self.audience = audience
        self.providers = providers
        self.accessTokenSeconds = accessTokenSeconds
        self.sessionSeconds = sessionSeconds
        self.keyRotationSeconds = keyRotationSeconds
        self.keyEncryptionKey = keyEncryptionKey
        self.secureCookies = secureCookies
    }

    public var redirectURI: String { publicURL + "/auth/callback" }

    public static func load(_ environment: Environment) throws -> AuthConfiguration {
        let publicURL = try environment.required("AUTH_PUBLIC_URL")
        guard publicURL.hasPrefix("https://") || publicURL.hasPrefix("http://") else {
            throw ConfigurationError("AUTH_PUBLIC_URL must be an http(s) origin, got \(publicURL)")
        }
        guard let keyBytes = Base64.decode(Array(try environment.required("AUTH_KEY_ENCRYPTION_KEY").utf8)), keyBytes.count == 32 else {
            throw ConfigurationError("AUTH_KEY_ENCRYPTION_KEY must be base64 of 32 random bytes")
        }
        var providers: [OpenIDProvider] = []
        for id in (environment.optional("OIDC_PROVIDERS") ?? "").split(separator: ",").map({ String($0).trimmingWhitespace() }) where !id.isEmpty {
            guard id.count <= 32, id.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) else {
                throw ConfigurationError("OIDC_PROVIDERS: \(id) is not a provider id (lowercase letters, digits, -)")
            }
            let prefix = "OIDC_" + String(id.uppercased().map { $0 == "-" ? "_" : $0 }) + "_"
            var algorithms: [IDTokenAlgorithm] = []
            for name in (environment.optional(prefix + "ALGORITHMS") ?? "RS256").split(separator: ",") {
                guard let algorithm = IDTokenAlgorithm(rawValue: String(name).trimmingWhitespace()) else {
                    throw ConfigurationError("\(prefix)ALGORITHMS: only RS256 and ES256 are accepted, got \(name)")
                }
                algorithms.append(algorithm)
            }
            providers.append(OpenIDProvider(
                id: id, displayName: environment.optional(prefix + "NAME") ?? id, issuer: try environment.required(prefix + "ISSUER"),
                clientID: try environment.required(prefix + "CLIENT_ID"), clientSecret: try environment.required(prefix + "CLIENT_SECRET"),
                algorithms: algorithms, hostedDomain: environment.optional(prefix + "HOSTED_DOMAIN")))
        }
        guard !providers.isEmpty else { throw ConfigurationError("OIDC_PROVIDERS must name at least one identity provider") }
        return AuthConfiguration(
            publicURL: publicURL, issuer: try environment.required("JWT_ISSUER"), audience: try environment.required("JWT_AUDIENCE"),
            providers: providers, accessTokenSeconds: try environment.int("AUTH_ACCESS_TOKEN_SECONDS", default: 600, range: 60...900),
            sessionSeconds: try environment.int("AUTH_SESSION_DAYS", default: 30, range: 1...365) * 86_400,
            keyRotationSeconds: try environment.int("AUTH_KEY_ROTATION_DAYS", default: 30, range: 1...365) * 86_400,
            keyEncryptionKey: SymmetricKey(data: keyBytes), secureCookies: try environment.bool("AUTH_COOKIE_SECURE", default: true))
    }
}

