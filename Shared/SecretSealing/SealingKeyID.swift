/// The syntax of a key id: 1 to 32 characters of `A-Z a-z 0-9 _ -`. No `.`, so it cannot break
/// the sealed text apart, and nothing that needs escaping in a log line or an error message.
enum SealingKeyID {
    static let maximumLength = 32

    static func isValid(_ id: some StringProtocol) -> Bool {
        let bytes = id.utf8
        return (1...maximumLength).contains(bytes.count) && bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }
}
