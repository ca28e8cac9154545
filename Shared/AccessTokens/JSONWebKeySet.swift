import Base64Encoding
public import CryptoExtras
import JSONValue

/// RSA signing keys from a JWKS document (RFC 7517), by `kid`. Keys that are not RSA, declare an
/// algorithm other than RS256, or are meant for encryption are ignored: this verifier only ever
/// checks RS256 signatures.
public struct JSONWebKeySet: Sendable {
    public let keys: [String: _RSA.Signing.PublicKey]

    public init(keys: [String: _RSA.Signing.PublicKey]) {
        self.keys = keys
    }

    public init(json text: String) throws {
        let document: JSONValue
        do { document = try JSONParser.parse(text) } catch { throw AuthError(.keysUnavailable, "JWKS is not JSON: \(error.description)") }
        guard let entries = document["keys"]?.arrayValue else { throw AuthError(.keysUnavailable, "JWKS has no keys array") }
        var keys: [String: _RSA.Signing.PublicKey] = [:]
        for entry in entries {
            guard entry["kty"]?.stringValue == "RSA", let kid = entry["kid"]?.stringValue,
                  entry["alg"] == nil || entry["alg"]?.stringValue == "RS256",
                  entry["use"] == nil || entry["use"]?.stringValue == "sig",
                  let n = entry["n"]?.stringValue.flatMap(Base64URL.decode), let e = entry["e"]?.stringValue.flatMap(Base64URL.decode)
            else { continue }
            guard let key = try? _RSA.Signing.PublicKey(n: n, e: e), key.keySizeInBits >= 2048 else { continue }
            keys[kid] = key
        }
        self.keys = keys
    }

    /// A JWKS document for one public key (the router serves the development key this way).
    public static func document(kid: String, publicKey: _RSA.Signing.PublicKey) throws -> String {
        let primitives = try publicKey.getKeyPrimitives()
        let key: JSONValue = ["kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(kid),
                              "n": .string(Base64URL.encode(Array(primitives.modulus))),
                              "e": .string(Base64URL.encode(Array(primitives.publicExponent)))]
        return JSONWriter.string(["keys": [key]])
    }
}
