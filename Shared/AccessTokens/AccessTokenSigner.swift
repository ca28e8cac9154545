import Base64Encoding
import Crypto
public import CryptoExtras
public import JSONValue

/// Signs RS256 access tokens with a development key: for `local-runner/run token` and tests.
/// Production tokens come from the agency's identity provider; production configuration never
/// points the verifier at the development key.
public struct AccessTokenSigner: Sendable {
    public let kid: String
    public let privateKey: _RSA.Signing.PrivateKey
    public let issuer: String
    public let audience: String

    public init(kid: String, privateKey: _RSA.Signing.PrivateKey, issuer: String, audience: String) {
        self.kid = kid
        self.privateKey = privateKey
        self.issuer = issuer
        self.audience = audience
    }

    /// A fresh 2048-bit key pair.
    public static func generateKey() throws -> _RSA.Signing.PrivateKey {
        try _RSA.Signing.PrivateKey(keySize: .bits2048)
    }

    public func token(subject: String, companyID: String, role: Role, email: String? = nil, now: Double,
                      ttlSeconds: Double = 3600, extraClaims: [String: JSONValue] = [:]) throws -> String {
        var claims: [String: JSONValue] = [
            "iss": .string(issuer), "aud": .string(audience), "sub": .string(subject), "company_id": .string(companyID),
            "role": .string(role.rawValue), "iat": .int(Int64(now)), "nbf": .int(Int64(now)), "exp": .int(Int64(now + ttlSeconds)),
        ]
        if let email { claims["email"] = .string(email) }
        claims.merge(extraClaims) { _, new in new }
        return try sign(header: ["alg": "RS256", "typ": "JWT", "kid": .string(kid)], claims: .object(claims))
    }

    /// Signs any header and claims (tests build forged variants with it).
    public func sign(header: JSONValue, claims: JSONValue) throws -> String {
        let signingInput = Base64URL.encode(Array(JSONWriter.string(header).utf8)) + "." + Base64URL.encode(Array(JSONWriter.string(claims).utf8))
        let signature = try privateKey.signature(for: SHA256.hash(data: Array(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }
}
