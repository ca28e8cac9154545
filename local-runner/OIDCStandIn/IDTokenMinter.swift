import Base64Encoding
import Crypto
import JSONValue

/// Builds and signs ID tokens (OIDC Core §2, §3.1.3.6), honouring a pending `IDTokenOverride`.
struct IDTokenMinter: Sendable {
    let issuer: String
    let lifetimeSeconds: Int
    let signingKey: SigningKey
    /// Signs `unknown-key` tokens; never published. Made on first use (key generation is slow
    /// in debug builds and most runs never need it).
    let foreignKey: @Sendable () throws -> SigningKey

    func token(grant: AuthorizationGrant, user: OIDCStandInUser?, accessToken: String, clientSecret: String, now: Int64,
               override: IDTokenOverride?) throws -> String {
        var claims = ScopeClaims.released(user?.claims ?? [:], scopes: grant.scopes)
        claims["iss"] = .string(issuer)
        claims["sub"] = .string(grant.sub)
        claims["aud"] = .string(grant.clientID)
        claims["azp"] = .string(grant.clientID)
        claims["iat"] = .int(now)
        claims["exp"] = .int(now + Int64(lifetimeSeconds))
        claims["auth_time"] = .int(grant.authTime)
        if let nonce = grant.nonce { claims["nonce"] = .string(nonce) }
        claims["at_hash"] = .string(Self.accessTokenHash(accessToken))
        for (name, value) in override?.claims ?? [:] {
            // Not `claims[name] = value.isNull ? nil : value`: JSONValue is ExpressibleByNilLiteral,
            // so that `nil` would be stored as JSON null.
            if value.isNull { claims.removeValue(forKey: name) } else { claims[name] = value }
        }
        let payload = Base64URL.encode(Array(JSONWriter.string(.object(claims)).utf8))
        switch override?.algorithm ?? .rs256 {
        case .rs256:
            return try signed(payload, with: signingKey)
        case .unknownKey:
            return try signed(payload, with: foreignKey())
        case .none:
            // RFC 7519 §6.1: an Unsecured JWT has an empty signature after the second dot.
            return Self.encodedHeader(["alg": "none", "typ": "JWT"]) + "." + payload + "."
        case .hs256:
            let input = Self.encodedHeader(["alg": "HS256", "typ": "JWT"]) + "." + payload
            let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array(clientSecret.utf8)))
            return input + "." + Base64URL.encode(Array(mac))
        }
    }

    private func signed(_ payload: String, with key: SigningKey) throws -> String {
        let input = Self.encodedHeader(["alg": "RS256", "typ": "JWT", "kid": .string(key.kid)]) + "." + payload
        return input + "." + Base64URL.encode(try key.sign(input))
    }

    private static func encodedHeader(_ header: JSONValue) -> String {
        Base64URL.encode(Array(JSONWriter.string(header).utf8))
    }

    /// `at_hash`: base64url of the left half of SHA-256 over the access token (OIDC Core §3.1.3.6).
    static func accessTokenHash(_ accessToken: String) -> String {
        Base64URL.encode(Array(SHA256.hash(data: Array(accessToken.utf8))).prefix(16))
    }
}
