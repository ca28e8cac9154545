import Base64Encoding
public import Crypto
public import CryptoExtras
import JSONValue

/// A public key from a provider's JWKS, with the algorithm it verifies.
public enum ProviderKey: Sendable {
    case rsa(_RSA.Signing.PublicKey)
    case p256(P256.Signing.PublicKey)

    var algorithm: IDTokenAlgorithm {
        switch self {
        case .rsa: return .rs256
        case .p256: return .es256
        }
    }

    func isValidSignature(_ signature: [UInt8], for signedPart: [UInt8]) -> Bool {
        let digest = SHA256.hash(data: signedPart)
        switch self {
        case .rsa(let key):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
        case .p256(let key):
            // JWS ES256 signatures are r || s (RFC 7518 §3.4), 64 octets, not DER.
            guard signature.count == 64, let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: digest)
        }
    }
}

/// The signing keys of a JWKS document (RFC 7517) by `kid`: RSA (≥ 2048 bits) and EC P-256 keys
/// meant for signatures; everything else is skipped.
public struct ProviderKeySet: Sendable {
    public let keys: [String: ProviderKey]

    public init(json text: String) throws(OpenIDError) {
        guard let document = try? JSONParser.parse(text), let entries = document["keys"]?.arrayValue else {
            throw OpenIDError("keys_unavailable", "the provider's JWKS is not a key set")
        }
        var keys: [String: ProviderKey] = [:]
        for entry in entries {
            guard let kid = entry["kid"]?.stringValue, entry["use"] == nil || entry["use"]?.stringValue == "sig" else { continue }
            switch entry["kty"]?.stringValue {
            case "RSA":
                guard entry["alg"] == nil || entry["alg"]?.stringValue == "RS256",
                      let n = entry["n"]?.stringValue.flatMap(Base64URL.decode), let e = entry["e"]?.stringValue.flatMap(Base64URL.decode),
                      let key = try? _RSA.Signing.PublicKey(n: n, e: e), key.keySizeInBits >= 2048
                else { continue }
                keys[kid] = .rsa(key)
            case "EC":
                guard entry["crv"]?.stringValue == "P-256", entry["alg"] == nil || entry["alg"]?.stringValue == "ES256",
                      let x = entry["x"]?.stringValue.flatMap(Base64URL.decode), let y = entry["y"]?.stringValue.flatMap(Base64URL.decode),
                      x.count == 32, y.count == 32, let key = try? P256.Signing.PublicKey(rawRepresentation: x + y)
                else { continue }
                keys[kid] = .p256(key)
            default:
                continue
            }
        }
        self.keys = keys
    }
}
