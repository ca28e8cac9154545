import RandomBytes
import Base64Encoding
import Crypto

/// The `state` of a creator link: 32 random bytes (base64url, 43 characters), single use. It is
/// the link's secret (the path of the page the agency sends the creator) and the OAuth `state`
/// Twitch hands back to the callback; only its SHA-256 is stored, so a database reader cannot
/// use an open link.
public enum LinkState {
    public static func generate() -> String {
        Base64URL.encode(RandomBytes.make(32))
    }

    /// Only what `generate` can produce is looked up at all.
    public static func isWellFormed(_ state: String) -> Bool {
        state.utf8.count == 43 && state.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95
        }
    }

    /// The stored form, as base64 text for `decode($n, 'base64')`.
    public static func hash(_ state: String) -> String {
        Base64.encode(Array(SHA256.hash(data: Array(state.utf8))))
    }
}
