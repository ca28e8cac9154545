import EventSub

/// Ids and tokens in Twitch's formats.
enum StandInIdentifiers {
    /// A 30-character lowercase alphanumeric token, like Twitch's access tokens.
    static func accessToken() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<30).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// A UUID (subscription ids, message ids).
    static func uuid() -> String { SignedDelivery.newMessageID() }

    /// A numeric stream id.
    static func streamID() -> String { String(UInt64.random(in: 10_000_000_000...99_999_999_999)) }

    /// A user id derived from the login only (FNV-1a, 9 digits), so a login that is auto-created
    /// gets the same id on every run of the stand-in. The caller probes upwards on a collision.
    static func userID(forLogin login: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in login.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return 100_000_000 + hash % 900_000_000
    }

    /// Twitch logins: 1–25 of `a-z`, `0-9`, `_` (lower-cased before the check).
    static func isValidLogin(_ login: String) -> Bool {
        (1...25).contains(login.utf8.count) && login.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_")
        }
    }

    /// Twitch user ids are decimal digits.
    static func isValidUserID(_ id: String) -> Bool {
        (1...20).contains(id.utf8.count) && id.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
