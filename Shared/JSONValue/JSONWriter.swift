/// Serializes JSON without Foundation, with sorted object keys so that equal values give equal
/// bytes (published messages, fixtures and tests compare byte strings).
public enum JSONWriter {
    public static func string(_ value: JSONValue) -> String {
        var output = ""
        write(value, into: &output)
        return output
    }

    public static func write(_ value: JSONValue, into output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let number): output += String(number)
        case .double(let number):
            if number.isFinite {
                if number.rounded() == number && abs(number) < 1e15 { output += String(Int64(number)) } else { output += "\(number)" }
            } else {
                output += "null"
            }
        case .string(let text): writeString(text, into: &output)
        case .array(let values):
            output += "["
            for (index, element) in values.enumerated() {
                if index > 0 { output += "," }
                write(element, into: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            // Sorted by UTF-8 bytes (the same order as `String`'s for the ASCII keys of every shape
            // here), pairs sorted once: no Unicode-aware comparison, no second lookup per key.
            var first = true
            for (key, value) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                if first { first = false } else { output += "," }
                writeString(key, into: &output)
                output += ":"
                write(value, into: &output)
            }
            output += "}"
        }
    }

    /// A JSON string literal with the escapes RFC 8259 requires. With `escapingHTML` (the default)
    /// `<`, `>`, `&`, U+2028 and U+2029 are escaped too, so the text is safe inside HTML script
    /// contexts; without it the output is the minimal RFC form (archives, log lines).
    public static func writeString(_ text: String, into output: inout String, escapingHTML: Bool = true) {
        output += "\""
        // The common case, nothing to escape: one append (0xE2 leads U+2028 and U+2029).
        let needsEscaping = text.utf8.contains { byte in
            byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
                || (escapingHTML && (byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&") || byte == 0xE2))
        }
        if !needsEscaping {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "<" where escapingHTML: output += "\\u003c"
            case ">" where escapingHTML: output += "\\u003e"
            case "&" where escapingHTML: output += "\\u0026"
            case "\u{2028}" where escapingHTML: output += "\\u2028"
            case "\u{2029}" where escapingHTML: output += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
