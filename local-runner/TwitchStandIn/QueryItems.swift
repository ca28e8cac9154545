/// Name/value pairs of a query string or an `application/x-www-form-urlencoded` body, in order and
/// with repeated names kept (Helix lists are repeated parameters: `id=1&id=2`).
struct QueryItems: Sendable {
    let items: [(name: String, value: String)]

    init(_ text: String?) {
        guard let text, !text.isEmpty else { items = []; return }
        items = text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (Self.decode(pair[..<equals]), Self.decode(pair[pair.index(after: equals)...]))
            }
            return (Self.decode(pair[...]), "")
        }
    }

    init(items: [(name: String, value: String)]) { self.items = items }

    func values(_ name: String) -> [String] { items.filter { $0.name == name }.map(\.value) }

    func first(_ name: String) -> String? { items.first { $0.name == name }?.value }

    func contains(_ name: String) -> Bool { items.contains { $0.name == name } }

    func merging(_ other: QueryItems) -> QueryItems { QueryItems(items: items + other.items) }

    /// Percent-decoding with `+` as space (form encoding); malformed escapes are kept literally.
    static func decode(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
                      let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
