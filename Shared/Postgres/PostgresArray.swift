/// Text-format array values for `$n::text[]` parameters. The value still travels as a bind
/// parameter; this only quotes elements inside the array literal (`{"a","b\"c"}`).
public enum PostgresArray {
    public static func literal(_ elements: [String]) -> String {
        var output = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { output += "," }
            output += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { output += "\\" }
                output.unicodeScalars.append(character)
            }
            output += "\""
        }
        return output + "}"
    }

    /// Parses Postgres' text form of a text[] (`{a,"b c"}`). Byte by byte: the delimiters are
    /// ASCII, and walking `Character`s (grapheme breaking) made this a tenth of the CPU of a
    /// creators page, which parses a few arrays per creator.
    public static func parse(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes -> [String] in
            guard bytes.count > 2, bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return [] }
            var items: [String] = []
            var current: [UInt8] = []
            var quoted = false
            var escaped = false
            for byte in bytes[1..<(bytes.count - 1)] {
                if escaped {
                    current.append(byte)
                    escaped = false
                    continue
                }
                switch byte {
                case UInt8(ascii: "\\") where quoted: escaped = true
                case UInt8(ascii: "\""): quoted.toggle()
                case UInt8(ascii: ",") where !quoted:
                    items.append(String(decoding: current, as: UTF8.self))
                    current.removeAll(keepingCapacity: true)
                default: current.append(byte)
                }
            }
            items.append(String(decoding: current, as: UTF8.self))
            return items
        }
    }
}
