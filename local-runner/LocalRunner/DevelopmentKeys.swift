import Base64Encoding
import Settings
import Files
public import AccessTokens
import CryptoExtras

/// The development signing key of a local instance: generated on first start into the data
/// folder, published by the router at `LocalEndpoints.developmentJWKSPath`, used by `local-runner/run token`.
/// Only local mode trusts it.
public struct DevelopmentKeys: Sendable {
    public static let issuer = "ccr-local-dev"
    public static let audience = "creator-control-room"

    public let signer: AccessTokenSigner
    public let jwks: String

    /// Loads the key from `directory`, creating it on first use.
    /// The local instance's `AUTH_KEY_ENCRYPTION_KEY` (base64 of 32 random bytes, made once, kept
    /// in the data folder): the auth function seals its signing keys with it.
    public static func keyEncryptionKey(in directory: String) throws -> String {
        try randomKey(named: "auth-key-encryption-key", in: directory)
    }

    /// The local instance's `TOKEN_ENCRYPTION_KEYS` (one key, id `local1`): creators' Twitch
    /// tokens are sealed with it.
    public static func tokenEncryptionKeys(in directory: String) throws -> String {
        "local1:" + (try randomKey(named: "token-encryption-key", in: directory))
    }

    /// Base64 of 32 random bytes, made once and kept in `directory/name` (mode 0600).
    static func randomKey(named name: String, in directory: String) throws -> String {
        try FileSystem.makeDirectories(directory, mode: 0o700)
        let path = directory + "/" + name
        if let text = FileSystem.readText(path)?.trimmingWhitespace(), !text.isEmpty { return text }
        var generator = SystemRandomNumberGenerator()
        let key = Base64.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        try FileSystem.writeText(key + "\n", to: path, mode: 0o600)
        return key
    }

    public static func loadOrCreate(in directory: String) throws -> DevelopmentKeys {
        try FileSystem.makeDirectories(directory, mode: 0o700)
        let path = directory + "/dev-jwt-private.pem"
        let key: _RSA.Signing.PrivateKey
        if let pem = FileSystem.readText(path) {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } else {
            key = try AccessTokenSigner.generateKey()
            try FileSystem.writeText(key.pemRepresentation, to: path, mode: 0o600)
        }
        // The kid names the key (first bytes of its modulus), so a regenerated key gets a new kid.
        let modulus = try key.publicKey.getKeyPrimitives().modulus
        let kid = "dev-" + Base64URL.encode(Array(modulus.prefix(9)))
        let jwks = try JSONWebKeySet.document(kid: kid, publicKey: key.publicKey)
        try FileSystem.writeText(jwks, to: directory + "/dev-jwks.json")
        return DevelopmentKeys(signer: AccessTokenSigner(kid: kid, privateKey: key, issuer: issuer, audience: audience), jwks: jwks)
    }
}
