import Base64Encoding

/// Random codes and tokens, and comparing secrets.
enum Secrets {
    /// `byteCount` random bytes (default 32: 256 bits, well above the 128 bits RFC 6749 §10.10
    /// asks of codes and tokens), base64url without padding.
    static func randomToken(byteCount: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Compares in time that depends only on the lengths, so a wrong client secret gives an
    /// attacker no timing hint about how much of it matched.
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
