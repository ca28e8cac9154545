/// Bytes from the system's cryptographic random source (`SystemRandomNumberGenerator`: getrandom
/// on Linux), eight per call. Drawn one `UInt8` at a time, every byte cost a system call of its
/// own: a job id's 16 made up 60 % of enqueuing a job (`bench queue`, stop 32).
public enum RandomBytes {
    public static func make(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return make(count, using: &generator)
    }

    /// From `generator` (tests pass a seeded one).
    public static func make(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 7)
        while bytes.count < count {
            let word = generator.next()
            withUnsafeBytes(of: word) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// `count` random bytes as lowercase hex (`2 * count` characters).
    public static func hex(_ count: Int) -> String {
        let digits: StaticString = "0123456789abcdef"
        let bytes = make(count)
        return String(unsafeUninitializedCapacity: count * 2) { output in
            digits.withUTF8Buffer { digits in
                for (index, byte) in bytes.enumerated() {
                    output[2 * index] = digits[Int(byte >> 4)]
                    output[2 * index + 1] = digits[Int(byte & 0x0F)]
                }
            }
            return count * 2
        }
    }
}
