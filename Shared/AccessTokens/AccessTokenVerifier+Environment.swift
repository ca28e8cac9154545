import Files
public import AsyncHTTPClient
public import Logging
public import Settings

extension AccessTokenVerifier {
    /// The verifier every HTTP function and the relay use: `JWT_ISSUER`, `JWT_AUDIENCE`, and
    /// `JWT_JWKS_URL` (the identity provider's key set, cached) or `JWT_JWKS_FILE` (a JWKS document
    /// or a PEM public key), optional `JWT_VERIFIED_CACHE_SECONDS` (default 60: how long a verified
    /// signature is reused; 0 verifies every time).
    ///
    /// `ownKeys`: the project's own signing keys (the auth function's, read from the database);
    /// with them, `JWT_JWKS_URL` / `JWT_JWKS_FILE` are optional extra keys (a development key).
    public static func fromEnvironment(_ environment: Environment, httpClient: HTTPClient, logger: Logger,
                                       ownKeys: (any VerificationKeySource)? = nil) throws -> AccessTokenVerifier {
        let issuer = try environment.required("JWT_ISSUER")
        let audience = try environment.required("JWT_AUDIENCE")
        var sources: [any VerificationKeySource] = ownKeys.map { [$0] } ?? []
        if let url = environment.optional("JWT_JWKS_URL") {
            sources.append(RemoteKeySource(url: url, client: httpClient, logger: logger))
        }
        if let path = environment.optional("JWT_JWKS_FILE") {
            guard let text = FileSystem.readText(path) else { throw ConfigurationError("JWT_JWKS_FILE \(path) cannot be read") }
            do { sources.append(try StaticKeySource(fileContents: text)) } catch { throw ConfigurationError("JWT_JWKS_FILE: \(error)") }
        }
        guard !sources.isEmpty else { throw ConfigurationError("JWT_JWKS_URL or JWT_JWKS_FILE must be set") }
        let cacheSeconds = try environment.int("JWT_VERIFIED_CACHE_SECONDS", default: 60, range: 0...3_600)
        let keys: any VerificationKeySource = sources.count == 1 ? sources[0] : KeySources(sources)
        return AccessTokenVerifier(keys: keys, issuer: issuer, audience: audience, cacheSeconds: Double(cacheSeconds))
    }
}
