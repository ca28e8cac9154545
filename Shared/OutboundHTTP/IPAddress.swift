/// An IPv4 or IPv6 address as bytes: what a URL literal names or what the resolver returned,
/// ready to be classified (`AddressClassification`) and pinned for the connection.
///
/// Parsing is deliberately strict (dotted-quad decimal without leading zeros, RFC 4291 text for
/// IPv6, no zone ids): `inet_aton` would read `0177.1` or `2130706433` as 127.0.0.1, and a guard
/// that reads an address differently from the code that connects is no guard.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// Four bytes in network order.
    case v4(UInt8, UInt8, UInt8, UInt8)
    /// Sixteen bytes in network order.
    case v6([UInt8])

    /// Parses `a.b.c.d` or an IPv6 address (without brackets). Nil for anything else.
    public init?(_ text: some StringProtocol) {
        let text = Substring(String(text))
        if let v4 = Self.parseV4(text) {
            self = .v4(v4[0], v4[1], v4[2], v4[3])
        } else if let v6 = Self.parseV6(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// Sixteen bytes for IPv6, four for IPv4.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self = .v4(bytes[0], bytes[1], bytes[2], bytes[3])
        case 16: self = .v6(bytes)
        default: return nil
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .v4(let a, let b, let c, let d): return [a, b, c, d]
        case .v6(let bytes): return bytes
        }
    }

    public var isIPv6: Bool {
        if case .v6 = self { return true }
        return false
    }

    /// The IPv4 address in the last four bytes of an IPv6 address (for IPv4-mapped and NAT64
    /// addresses); nil for IPv4.
    var embeddedIPv4: IPAddress? {
        guard case .v6(let bytes) = self else { return nil }
        return .v4(bytes[12], bytes[13], bytes[14], bytes[15])
    }

    /// Dotted quad, or RFC 5952 text for IPv6 (lower case, the longest run of zero groups
    /// compressed, IPv4-mapped addresses as `::ffff:a.b.c.d`). All are what `inet_pton` (and so
    /// SwiftNIO) reads back.
    public var description: String {
        switch self {
        case .v4(let a, let b, let c, let d):
            return "\(a).\(b).\(c).\(d)"
        case .v6(let bytes):
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                return "::ffff:\(embeddedIPv4!)"
            }
            var groups: [UInt16] = []
            for index in stride(from: 0, to: 16, by: 2) { groups.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])) }
            // The longest run of at least two zero groups (the first one on a tie) becomes "::".
            var bestStart = -1
            var bestLength = 0
            var index = 0
            while index < 8 {
                guard groups[index] == 0 else { index += 1; continue }
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength && end - index >= 2 { bestStart = index; bestLength = end - index }
                index = end
            }
            func hex(_ slice: ArraySlice<UInt16>) -> String { slice.map { String($0, radix: 16) }.joined(separator: ":") }
            guard bestStart >= 0 else { return hex(groups[...]) }
            return hex(groups[..<bestStart]) + "::" + hex(groups[(bestStart + bestLength)...])
        }
    }

    // MARK: - Parsing

    /// Exactly four decimal parts 0–255, no leading zeros (which `inet_aton` reads as octal).
    static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  part == "0" || part.first != "0", let value = Int(part), value <= 255
            else { return nil }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    /// RFC 4291 §2.2 text: eight groups of one to four hex digits, at most one `::`, optionally
    /// ending in a dotted quad. No zone id (`%eth0`): a scoped address is never a public one.
    static func parseV6(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        let utf8 = Array(text.utf8)
        var doubleColon: Int?
        for index in 0..<(utf8.count - 1) where utf8[index] == UInt8(ascii: ":") && utf8[index + 1] == UInt8(ascii: ":") {
            doubleColon = index
            break
        }
        let groups: [UInt16]
        if let doubleColon {
            let left = String(decoding: utf8[..<doubleColon], as: UTF8.self)
            let right = String(decoding: utf8[(doubleColon + 2)...], as: UTF8.self)
            // A second "::" or a ":::" is malformed.
            guard !right.hasPrefix(":"), !right.contains("::"),
                  let head = parseGroups(Substring(left), allowingIPv4Tail: false),
                  let tail = parseGroups(Substring(right), allowingIPv4Tail: true),
                  head.count + tail.count <= 7
            else { return nil }
            groups = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = parseGroups(text, allowingIPv4Tail: true), all.count == 8 else { return nil }
            groups = all
        }
        var bytes: [UInt8] = []
        for group in groups {
            bytes.append(UInt8(group >> 8))
            bytes.append(UInt8(group & 0xFF))
        }
        return bytes
    }

    /// Colon-separated groups (empty text: none); the last may be a dotted quad (two groups).
    private static func parseGroups(_ text: Substring, allowingIPv4Tail: Bool) -> [UInt16]? {
        guard !text.isEmpty else { return [] }
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (index, piece) in pieces.enumerated() {
            if index == pieces.count - 1, allowingIPv4Tail, piece.contains(".") {
                guard let v4 = parseV4(piece) else { return nil }
                groups.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                groups.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                continue
            }
            guard (1...4).contains(piece.utf8.count), piece.utf8.allSatisfy(isHexDigit), let group = UInt16(piece, radix: 16)
            else { return nil }
            groups.append(group)
        }
        return groups
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
}
