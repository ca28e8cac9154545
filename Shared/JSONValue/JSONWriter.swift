/// Serializes JSON without Foundation, with sorted object keys so that equal values give equal
/// bytes (published messages, fixtures and tests compare byte strings). One implementation
/// writes both into a `String` and into UTF-8 bytes (response bodies, event pages).
public enum JSONWriter {
    public static func string(_ value: JSONValue) -> String {
        var output = ""
        write(value, into: &output)
        return output
    }

    /// The same text as `string(_:)`, as UTF-8 bytes.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, into: &output)
        return output
    }

    public static func write(_ value: JSONValue, into output: inout String) {
        writeValue(value, into: &output)
    }

    public static func write(_ value: JSONValue, into output: inout [UInt8]) {
        writeValue(value, into: &output)
    }

    /// A JSON string literal with the escapes RFC 8259 requires. With `escapingHTML` (the default)
    /// `<`, `>`, `&`, U+2028 and U+2029 are escaped too, so the text is safe inside HTML script
    /// contexts; without it the output is the minimal RFC form (archives, log lines).
    public static func writeString(_ text: String, into output: inout String, escapingHTML: Bool = true) {
        writeStringLiteral(text, into: &output, escapingHTML: escapingHTML)
    }

    public static func writeString(_ text: String, into output: inout [UInt8], escapingHTML: Bool = true) {
        writeStringLiteral(text, into: &output, escapingHTML: escapingHTML)
    }

    static func writeValue<Output: JSONOutput>(_ value: JSONValue, into output: inout Output) {
        switch value {
        case .null: output.append(ascii: "null")
        case .bool(let flag): output.append(ascii: flag ? "true" : "false")
        case .int(let number): output.append(integer: number)
        case .double(let number):
            if number.isFinite {
                if number.rounded() == number && abs(number) < 1e15 { output.append(integer: Int64(number)) } else { output.append(text: "\(number)") }
            } else {
                output.append(ascii: "null")
            }
        case .string(let text): writeStringLiteral(text, into: &output, escapingHTML: true)
        case .array(let values):
            output.append(byte: UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { output.append(byte: UInt8(ascii: ",")) }
                writeValue(element, into: &output)
            }
            output.append(byte: UInt8(ascii: "]"))
        case .object(let members):
            output.append(byte: UInt8(ascii: "{"))
            // Sorted by UTF-8 bytes (the same order as `String`'s for the ASCII keys of every shape
            // here), pairs sorted once: no Unicode-aware comparison, no second lookup per key.
            var first = true
            for (key, value) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                if first { first = false } else { output.append(byte: UInt8(ascii: ",")) }
                writeStringLiteral(key, into: &output, escapingHTML: true)
                output.append(byte: UInt8(ascii: ":"))
                writeValue(value, into: &output)
            }
            output.append(byte: UInt8(ascii: "}"))
        }
    }

    /// Works on the UTF-8 bytes, which for valid UTF-8 is the same as per scalar: an ASCII byte
    /// never occurs inside a multi-byte sequence, and E2 80 A8/A9 only encode U+2028/U+2029.
    /// Runs that need no escape are appended whole (usually the entire string, in one copy).
    static func writeStringLiteral<Output: JSONOutput>(_ text: String, into output: inout Output, escapingHTML: Bool) {
        var text = text
        text.withUTF8 { utf8 in
            output.append(byte: UInt8(ascii: "\""))
            var runStart = 0
            var index = 0
            // The common case first: a scan over bytes written as they are, then one copy.
            let plainMask: UInt8 = escapingHTML ? 2 : 1
            plainBytes.withUnsafeBufferPointer { plain in
                while index < utf8.count, plain[Int(utf8[index])] & plainMask != 0 { index += 1 }
            }
            while index < utf8.count {
                let byte = utf8[index]
                let escape: StaticString
                var length = 1
                switch byte {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case UInt8(ascii: "\n"): escape = "\\n"
                case UInt8(ascii: "\r"): escape = "\\r"
                case UInt8(ascii: "\t"): escape = "\\t"
                case 0..<0x20: escape = ""
                case UInt8(ascii: "<") where escapingHTML: escape = "\\u003c"
                case UInt8(ascii: ">") where escapingHTML: escape = "\\u003e"
                case UInt8(ascii: "&") where escapingHTML: escape = "\\u0026"
                case 0xE2 where escapingHTML && index + 2 < utf8.count && utf8[index + 1] == 0x80 && utf8[index + 2] == 0xA8:
                    escape = "\\u2028"; length = 3
                case 0xE2 where escapingHTML && index + 2 < utf8.count && utf8[index + 1] == 0x80 && utf8[index + 2] == 0xA9:
                    escape = "\\u2029"; length = 3
                default:
                    index += 1
                    continue
                }
                output.append(utf8: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                if escape.utf8CodeUnitCount > 0 {
                    output.append(ascii: escape)
                } else {
                    // Other control characters: \u00XX, lowercase hex.
                    let hex: StaticString = "0123456789abcdef"
                    output.append(ascii: "\\u00")
                    output.append(byte: hex.utf8Start[Int(byte >> 4)])
                    output.append(byte: hex.utf8Start[Int(byte & 0x0F)])
                }
                index += length
                runStart = index
            }
            output.append(utf8: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
            output.append(byte: UInt8(ascii: "\""))
        }
    }
}

/// Per byte: bit 0 set when `writeStringLiteral` copies it as is without `escapingHTML`, bit 1
/// with it (0xE2 may start U+2028/U+2029, so it takes the slow path).
private let plainBytes: [UInt8] = (0...255).map { (byte: Int) -> UInt8 in
    if byte < 0x20 || byte == Int(UInt8(ascii: "\"")) || byte == Int(UInt8(ascii: "\\")) { return 0 }
    if byte == Int(UInt8(ascii: "<")) || byte == Int(UInt8(ascii: ">")) || byte == Int(UInt8(ascii: "&")) || byte == 0xE2 { return 1 }
    return 3
}

/// Where `JSONWriter` writes: a `String` or UTF-8 bytes.
protocol JSONOutput {
    mutating func append(byte: UInt8)
    mutating func append(ascii: StaticString)
    /// Valid UTF-8 (a whole string or a run of one between escapes).
    mutating func append(utf8: UnsafeBufferPointer<UInt8>)
    mutating func append(text: String)
    /// Decimal, as `String(number)` writes it.
    mutating func append(integer number: Int64)
}

extension String: JSONOutput {
    mutating func append(byte: UInt8) { unicodeScalars.append(Unicode.Scalar(byte)) }
    mutating func append(ascii: StaticString) { append(ascii.description) }
    mutating func append(utf8: UnsafeBufferPointer<UInt8>) {
        if !utf8.isEmpty { append(String(decoding: utf8, as: UTF8.self)) }
    }
    mutating func append(text: String) { append(text) }
    mutating func append(integer number: Int64) { append(String(number)) }
}

extension Array: JSONOutput where Element == UInt8 {
    mutating func append(byte: UInt8) { append(byte) }
    mutating func append(ascii: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: ascii.utf8Start, count: ascii.utf8CodeUnitCount))
    }
    mutating func append(utf8: UnsafeBufferPointer<UInt8>) { append(contentsOf: utf8) }
    mutating func append(text: String) { append(contentsOf: text.utf8) }
    mutating func append(integer number: Int64) {
        // Digits right to left into a small buffer: no intermediate String.
        var magnitude = number.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if number < 0 { append(UInt8(ascii: "-")) }
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }
}
