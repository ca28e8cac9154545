import RandomBytes
import Base64Encoding
import Crypto

/// Proof Key for Code Exchange (RFC 7636) and the other one-time values of a sign-in.
public enum PKCE {
    /// 32 random octets as base64url: 43 characters, 256 bits (RFC 7636 §4.1).
    public static func randomToken(bytes: Int = 32) -> String {
        Base64URL.encode(RandomBytes.make(bytes))
    }

    /// `BASE64URL(SHA256(ASCII(verifier)))`, the S256 challenge (§4.2). `plain` is never used.
    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(Array(SHA256.hash(data: Array(verifier.utf8))))
    }
}
