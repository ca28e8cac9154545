/// Base64 (RFC 4648) without Foundation, in the two forms the project uses: `Base64URL`
/// (§5, unpadded: JWTs and JWKs) and `Base64` (§4, padded: Engine.IO's `b…` binary packets in
/// long-polling payloads). One codec, two alphabets.
struct Base64Codec: Sendable {
    let alphabet: [UInt8]
    let lookup: [UInt8]
    let pads: Bool

    init(_ characters: String, pads: Bool) {
        alphabet = Array(characters.utf8)
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = UInt8(index) }
        lookup = table
        self.pads = pads
    }

    func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let remaining = input.count - index
            let value = UInt32(input[index]) << 16 | (remaining > 1 ? UInt32(input[index + 1]) << 8 : 0)
                | (remaining > 2 ? UInt32(input[index + 2]) : 0)
            output.append(alphabet[Int(value >> 18 & 63)])
            output.append(alphabet[Int(value >> 12 & 63)])
            if remaining > 1 { output.append(alphabet[Int(value >> 6 & 63)]) } else if pads { output.append(UInt8(ascii: "=")) }
            if remaining > 2 { output.append(alphabet[Int(value & 63)]) } else if pads { output.append(UInt8(ascii: "=")) }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Nil on a character outside the alphabet or a bad length. Trailing padding is accepted
    /// only by the padded form.
    func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var input = Array(text)
        if pads { while input.last == UInt8(ascii: "=") { input.removeLast() } }
        guard input.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for character in input {
            let value = lookup[Int(character)]
            guard value != 0xFF else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(buffer >> UInt32(bits) & 0xFF))
            }
        }
        return output
    }
}

/// Base64url without padding (RFC 4648 §5), as JWTs and JWKs use it.
public enum Base64URL {
    static let codec = Base64Codec("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", pads: false)

    public static func encode(_ bytes: some Collection<UInt8>) -> String { codec.encode(bytes) }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? { codec.decode(text.utf8) }
}

/// Standard base64 with padding (RFC 4648 §4); padding is optional when decoding.
public enum Base64 {
    static let codec = Base64Codec("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", pads: true)

    public static func encode(_ bytes: some Collection<UInt8>) -> String { codec.encode(bytes) }

    public static func decode(_ bytes: some Collection<UInt8>) -> [UInt8]? { codec.decode(bytes) }
}
