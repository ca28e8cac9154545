import Base64Encoding
import Crypto
import CryptoExtras
import JSONValue

/// An RS256 key pair and its public JWK. The `kid` is the key's RFC 7638 thumbprint, so it
/// changes exactly when the key does (each start generates a new key; relying parties refetch
/// `jwks_uri` on an unfamiliar `kid`).
struct SigningKey: Sendable {
    let privateKey: _RSA.Signing.PrivateKey
    let kid: String
    /// `{"kty":"RSA","use":"sig","alg":"RS256","kid","n","e"}`.
    let jwk: JSONValue

    /// A fresh 2048-bit key.
    init() throws {
        try self.init(privateKey: _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    init(privateKey: _RSA.Signing.PrivateKey) throws {
        let primitives = try privateKey.publicKey.getKeyPrimitives()
        let n = Base64URL.encode(Array(primitives.modulus))
        let e = Base64URL.encode(Array(primitives.publicExponent))
        // RFC 7638 §3: the required members in lexicographic order, no whitespace; JSONWriter
        // sorts keys and writes no whitespace, and base64url strings need no escaping.
        let thumbprintInput = JSONWriter.string(["e": .string(e), "kty": "RSA", "n": .string(n)])
        let kid = Base64URL.encode(Array(SHA256.hash(data: Array(thumbprintInput.utf8))))
        self.privateKey = privateKey
        self.kid = kid
        self.jwk = ["kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(kid), "n": .string(n), "e": .string(e)]
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (JWA RS256) over `input`.
    func sign(_ input: String) throws -> [UInt8] {
        let signature = try privateKey.signature(for: SHA256.hash(data: Array(input.utf8)), padding: .insecurePKCS1v1_5)
        return Array(signature.rawRepresentation)
    }
}
