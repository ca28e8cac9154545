import RandomBytes
import Testing

@Suite struct RandomBytesTests {
    /// A generator that counts: its words are 1, 2, 3, …
    struct Counting: RandomNumberGenerator {
        var counter: UInt64 = 0
        mutating func next() -> UInt64 {
            counter += 1
            return counter
        }
    }

    @Test func everyLengthGetsTheGeneratorsWordsInOrder() {
        for count in 0...41 {
            var generator = Counting()
            let bytes = RandomBytes.make(count, using: &generator)
            #expect(bytes.count == count)
            // Word n little-endian: n, then seven zero bytes (n < 256 here).
            let expected: [UInt8] = (0..<count).map { (index: Int) -> UInt8 in index % 8 == 0 ? UInt8(index / 8 + 1) : 0 }
            #expect(bytes == expected, "\(count) bytes")
        }
    }

    /// The system source fills any length in one go, longer than one getrandom call's 256-byte
    /// guarantee included, and the bytes are fresh and spread (zero-filled or reused buffers would not be).
    @Test func theSystemSourceFillsEveryLengthWithFreshBytes() {
        for count in [0, 1, 7, 8, 16, 33, 256, 257, 4_096] {
            let first = RandomBytes.make(count), second = RandomBytes.make(count)
            #expect(first.count == count && second.count == count)
            if count >= 16 { #expect(first != second, "\(count) bytes drawn twice alike") }
        }
        let many = RandomBytes.make(4_096)
        #expect(Set(many).count > 240, "4,096 random bytes take almost every value")
        #expect(many.suffix(256).contains { $0 != 0 }, "the tail past the first 256 bytes is filled too")
    }

    @Test func hexIsLowercaseOfTheRightLengthAndFresh() {
        let ids = (0..<1_000).map { _ in RandomBytes.hex(16) }
        for id in ids {
            #expect(id.utf8.count == 32 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }, "\(id)")
        }
        #expect(Set(ids).count == ids.count, "128 random bits never repeat in 1,000 draws")
        #expect(RandomBytes.hex(0).isEmpty)
        // Every nibble value turns up (a broken digit table would miss some).
        #expect(Set(ids.joined()).count == 16)
    }
}
