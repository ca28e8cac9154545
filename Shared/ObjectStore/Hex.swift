import RandomBytes
/// Lowercase hexadecimal, as SigV4 writes hashes and signatures.
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `byteCount` bytes from the system's cryptographic random source, as hex.
    package static func random(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return random(byteCount: byteCount, using: &generator)
    }

    package static func random(byteCount: Int, using generator: inout some RandomNumberGenerator) -> String {
        encode(RandomBytes.make(byteCount, using: &generator))
    }

    /// True for lowercase hex of exactly `length` characters.
    package static func isLowercaseHex(_ text: String, length: Int) -> Bool {
        let utf8 = text.utf8
        return utf8.count == length && utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
