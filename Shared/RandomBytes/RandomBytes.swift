#if canImport(Glibc)
import Glibc
#endif

/// Bytes from the system's cryptographic random source (getentropy: getrandom), one system call
/// per 256 bytes. Drawn one `UInt8` at a time from `SystemRandomNumberGenerator`, every byte cost a system
/// call of its own: a job id's 16 made up 60 % of enqueuing a job (`bench queue`, stop 32); eight
/// per call still cost a request id two (the webhook makes one per delivery).
public enum RandomBytes {
    public static func make(_ count: Int) -> [UInt8] {
        #if canImport(Glibc)
        var bytes = [UInt8](repeating: 0, count: count)
        let complete = bytes.withUnsafeMutableBytes { buffer -> Bool in
            // getentropy (getrandom underneath) fills up to 256 bytes per call, whole or not at all.
            var filled = 0
            while filled < count {
                let chunk = min(256, count - filled)
                guard getentropy(buffer.baseAddress! + filled, chunk) == 0 else { return false }
                filled += chunk
            }
            return true
        }
        if complete { return bytes }
        #endif
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
