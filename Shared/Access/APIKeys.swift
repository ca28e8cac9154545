import RandomBytes
import Base64Encoding
import Crypto

/// A service API key: `ccr_` + a 12-character prefix (lowercase letters and digits, the part that
/// stays visible in lists and logs) + `_` + 43 base64url characters (32 random bytes). The key is
/// shown once, when it is created; only the prefix and the SHA-256 of the whole key are stored.
public enum APIKeyFormat {
    public static let marker = "ccr_"
    public static let prefixLength = 12
    public static let secretLength = 43
    /// `ccr_` + prefix + `_` + secret.
    public static let length = 4 + prefixLength + 1 + secretLength

    static let prefixAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// A new key with its prefix and hash (what is stored).
    public static func generate() -> (key: String, prefix: String, hash: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        // 36 does not divide 256: `randomElement` draws without modulo bias.
        let prefix = String(decoding: (0..<prefixLength).map { _ in prefixAlphabet.randomElement(using: &generator)! }, as: UTF8.self)
        let secret = Base64URL.encode(RandomBytes.make(32, using: &generator))
        let key = marker + prefix + "_" + secret
        return (key, prefix, hash(key))
    }

    /// SHA-256 of the whole key.
    public static func hash(_ key: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(key.utf8)))
    }

    /// Whether a bearer token is meant as an API key (access tokens are JWTs, which start `eyJ`).
    public static func isAPIKey(_ token: String) -> Bool {
        token.hasPrefix(marker)
    }

    /// The prefix of a well-formed key; nil when the text cannot be a key.
    public static func prefix(of key: String) -> String? {
        let bytes = Array(key.utf8)
        guard bytes.count == length, key.hasPrefix(marker), bytes[4 + prefixLength] == UInt8(ascii: "_") else { return nil }
        let prefix = bytes[4..<(4 + prefixLength)]
        guard prefix.allSatisfy(prefixAlphabet.contains) else { return nil }
        let secret = bytes[(4 + prefixLength + 1)...]
        guard secret.allSatisfy(isBase64URL) else { return nil }
        return String(decoding: prefix, as: UTF8.self)
    }

    static func isBase64URL(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 45 || byte == 95
    }
}

/// What an API key may do: each REST route that keys may use names one scope (`APIRoute.scope`);
/// a key carries a set of them. Routes without a scope (member management, branding changes, key
/// management itself, `/api/me`) are closed to keys. Migration 8's CHECK (widened by migration
/// 11) holds the same list.
public enum APIScope {
    public static let all = [
        "events:read", "audit:read", "archives:read", "creators:read", "creators:write", "members:read", "branding:read",
        "notifications:read", "notifications:write",
    ]
}
