/// Why a sealed secret did not open. No case carries key material or plaintext; the only text
/// taken from the input is a key id, and only once it passed the key id syntax check.
public enum SecretSealingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not `v1.<key id>.<base64url data>` (wrong version, bad key id syntax, bad base64url,
    /// too short to hold a nonce and a tag), or an opened secret that should be UTF-8 is not.
    case malformed(String)
    /// Sealed under a key this ring does not hold: a key was retired before every value sealed
    /// with it was resealed, or the value comes from another environment.
    case unknownKeyID(String)
    /// The key id is known but the data does not authenticate: tampered, or sealed for another
    /// context (another row, another kind of secret).
    case authenticationFailed

    public var description: String {
        switch self {
        case .malformed(let reason): return "not a sealed secret: \(reason)"
        case .unknownKeyID(let keyID): return "sealed with key \"\(keyID)\", which the key ring does not hold"
        case .authenticationFailed: return "the sealed secret does not authenticate (tampered, or sealed for another context)"
        }
    }
}
