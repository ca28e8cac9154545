import Files
public import AsyncHTTPClient
public import Logging
public import Settings

extension AccessTokenVerifier {
    /// The verifier every HTTP function and the relay use: `JWT_ISSUER`, `JWT_AUDIENCE`, and
    /// `JWT_JWKS_URL` (the identity provider's key set, cached) or `JWT_JWKS_FILE` (a JWKS document
    /// or a PEM public key), optional `JWT_VERIFIED_CACHE_SECONDS` (default 60: how long a verified
    /// signature is reused; 0 verifies every time).
    public static func fromEnvironment(_ environment: Environment, httpClient: HTTPClient, logger: Logger) throws -> AccessTokenVerifier {
        let issuer = try environment.required("JWT_ISSUER")
        let audience = try environment.required("JWT_AUDIENCE")
        let keys: any VerificationKeySource
        if let url = environment.optional("JWT_JWKS_URL") {
            keys = RemoteKeySource(url: url, client: httpClient, logger: logger)
        } else if let path = environment.optional("JWT_JWKS_FILE") {
            guard let text = FileSystem.readText(path) else { throw ConfigurationError("JWT_JWKS_FILE \(path) cannot be read") }
            do { keys = try StaticKeySource(fileContents: text) } catch { throw ConfigurationError("JWT_JWKS_FILE: \(error)") }
        } else {
            throw ConfigurationError("JWT_JWKS_URL or JWT_JWKS_FILE must be set")
        }
        let cacheSeconds = try environment.int("JWT_VERIFIED_CACHE_SECONDS", default: 60, range: 0...3_600)
        return AccessTokenVerifier(keys: keys, issuer: issuer, audience: audience, cacheSeconds: Double(cacheSeconds))
    }
}
