import Base64Encoding

/// Ids and tokens in YouTube's and the hub's formats.
enum YouTubeIdentifiers {
    /// The URL-safe base64 alphabet YouTube ids are drawn from.
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    /// `UC` + 22 characters; the last one carries only 2 bits of the 128-bit id, so it is one of
    /// `A`, `Q`, `g`, `w`, as in real channel ids.
    static func channelID() -> String {
        "UC" + random(21) + String(["A", "Q", "g", "w"].randomElement()!)
    }

    /// 11 characters; the last one carries 4 bits (`AEIMQUYcgkosw048`).
    static func videoID() -> String {
        random(10) + String(Array("AEIMQUYcgkosw048").randomElement()!)
    }

    /// 128 characters of `[A-Za-z0-9_-]`, like the reference hub's challenges.
    static func challenge() -> String { random(128) }

    /// A live chat id (opaque to clients).
    static func liveChatID() -> String { "Cg0KC" + random(30) }

    static func isChannelID(_ text: String) -> Bool {
        text.utf8.count == 24 && text.hasPrefix("UC") && text.allSatisfy { alphabet.contains($0) }
    }

    static func isVideoID(_ text: String) -> Bool {
        text.utf8.count == 11 && text.allSatisfy { alphabet.contains($0) }
    }

    /// Handles: 3–30 of letters, digits, `_`, `-`, `.` (YouTube's rule, ASCII only here).
    static func isHandle(_ text: String) -> Bool {
        (3...30).contains(text.utf8.count) && text.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
    }

    /// A 27-character etag derived from the content, so equal answers carry equal etags.
    static func etag(_ text: String) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in text.utf8 {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 &+ 0x9E37_79B9
        }
        var bytes: [UInt8] = []
        for value in [first, second, first ^ (second << 7)] {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        return String(Base64URL.encode(bytes.prefix(20)).prefix(27))
    }

    private static func random(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
