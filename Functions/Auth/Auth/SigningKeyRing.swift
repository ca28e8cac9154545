import AccessTokens
import Base64Encoding
import BlockingIO
import Crypto
import CryptoExtras
import JSONValue
import NIOConcurrencyHelpers
import Postgres

/// The project's own access-token signing keys (RS256, 2048-bit), kept in Postgres with the
/// private half sealed (AES-GCM under `AUTH_KEY_ENCRYPTION_KEY`, the kid as associated data, so a
/// sealed key cannot be moved to another kid). Every instance of the auth function shares them.
///
/// Rotation: when the newest key is older than `rotationSeconds`, a new one is added. A key signs
/// only once it has been published for `publishLeadSeconds` (verifiers re-read the key set on an
/// unknown kid at most once a second), and a key whose successor has signed for longer than an
/// access token lives is removed: no valid token can carry its signature.
final class SigningKeyRing: Sendable {
    struct Key: Sendable {
        let kid: String
        /// Nil when it cannot be unsealed with this instance's key (the operator replaced
        /// `AUTH_KEY_ENCRYPTION_KEY`): still published, never used to sign.
        let privateKey: _RSA.Signing.PrivateKey?
        let publicJWK: String
        let createdAt: Double
    }

    private let pool: PostgresPool
    private let sealingKey: SymmetricKey
    private let rotationSeconds: Double
    private let accessTokenSeconds: Double
    private let keys = NIOLockedValueBox<(loadedAt: Double, keys: [Key])>((-Double.infinity, []))
    static let publishLeadSeconds = 5.0
    static let reloadSeconds = 60.0

    init(pool: PostgresPool, sealingKey: SymmetricKey, rotationSeconds: Int, accessTokenSeconds: Int) {
        self.pool = pool
        self.sealingKey = sealingKey
        self.rotationSeconds = Double(rotationSeconds)
        self.accessTokenSeconds = Double(accessTokenSeconds)
    }

    /// The key to sign with now (its private key is there).
    func current(now: Double) async throws -> (kid: String, privateKey: _RSA.Signing.PrivateKey) {
        var ring = try await loaded(now: now).filter { $0.privateKey != nil }
        if ring.last.map({ now - $0.createdAt >= rotationSeconds }) ?? true {
            try await add(now: now)
            ring = try await reload(now: now).filter { $0.privateKey != nil }
        }
        // The newest key that every verifier can already know; the newest one when it is the only one.
        guard let key = ring.last(where: { now - $0.createdAt >= Self.publishLeadSeconds }) ?? ring.last, let privateKey = key.privateKey else {
            throw KeyRingError()
        }
        return (key.kid, privateKey)
    }

    /// The JWKS document of every key still published.
    func jwks(now: Double) async throws -> String {
        _ = try await current(now: now)
        let ring = try await loaded(now: now)
        return "{\"keys\":[" + ring.map(\.publicJWK).joined(separator: ",") + "]}"
    }

    private func loaded(now: Double) async throws -> [Key] {
        let cached = keys.withLockedValue { $0 }
        if now - cached.loadedAt < Self.reloadSeconds, !cached.keys.isEmpty { return cached.keys }
        return try await reload(now: now)
    }

    private func reload(now: Double) async throws -> [Key] {
        let prune = Int(accessTokenSeconds + Self.publishLeadSeconds + 60)
        let rows = try await pool.withConnection { connection in
            _ = try connection.query("SELECT signing_keys_prune($1::integer)", [prune])
            return try connection.query("""
                SELECT kid, public_jwk::text AS jwk, translate(encode(private_key_sealed, 'base64'), E'\\n', '') AS sealed,
                       extract(epoch FROM created_at)::float8 AS created
                FROM signing_keys_all()
                """).rows
        }
        var ring: [Key] = []
        for row in rows {
            let kid = try row.require("kid")
            let privateKey = Base64.decode(Array(try row.require("sealed").utf8))
                .flatMap { try? AES.GCM.SealedBox(combined: $0) }
                .flatMap { try? AES.GCM.open($0, using: sealingKey, authenticating: Array(kid.utf8)) }
                .flatMap { try? _RSA.Signing.PrivateKey(derRepresentation: $0) }
            ring.append(Key(kid: kid, privateKey: privateKey, publicJWK: try row.require("jwk"), createdAt: Double(try row.require("created")) ?? 0))
        }
        ring.sort { $0.createdAt < $1.createdAt }
        keys.withLockedValue { $0 = (now, ring) }
        return ring
    }

    private func add(now: Double) async throws {
        let privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let kid = "ccr-" + String(Int(now)) + "-" + String(UInt32.random(in: 0 ... .max), radix: 16)
        let document = try JSONWebKeySet.document(kid: kid, publicKey: privateKey.publicKey)
        guard let jwk = (try? JSONParser.parse(document))?["keys"]?.arrayValue?.first else { throw KeyRingError() }
        let sealed = try AES.GCM.seal(Array(privateKey.derRepresentation), using: sealingKey, authenticating: Array(kid.utf8))
        guard let combined = sealed.combined else { throw KeyRingError() }
        let parameters: [(any PostgresParameter)?] = [kid, JSONWriter.string(jwk), Base64.encode(Array(combined))]
        try await pool.withConnection { connection in
            _ = try connection.query("SELECT signing_key_add($1, $2::jsonb, decode($3, 'base64'))", parameters)
        }
    }

    struct KeyRingError: Error {}
}
