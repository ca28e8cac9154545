/// A JSON value kept as the bytes `JSONWriter` writes for it (sorted keys, HTML-safe escaping,
/// the writer's number forms), for values that are only passed through: an event's `data` goes
/// from Postgres' `data::text` to every page and room message, and a `JSONValue` tree built only
/// to be written again would be most of the cost.
public struct CanonicalJSON: Sendable, Hashable {
    /// Always `JSONWriter`'s output for `value`.
    public let bytes: [UInt8]

    public init(_ value: JSONValue) {
        bytes = JSONWriter.bytes(value)
    }

    /// Exactly `JSONWriter.bytes(try JSONParser.parse(text))`, and throws exactly when `parse`
    /// does, but without building the tree: read with the parser's own steps, and written
    /// through the writer's own string and number code wherever the input is not already in its
    /// final form (escapes, non-ASCII text, fractions, exponents, duplicate keys).
    public init(parsing text: String) throws(JSONParser.Error) {
        var parser = JSONParser(bytes: Array(text.utf8))
        var output: [UInt8] = []
        output.reserveCapacity(parser.bytes.count)
        var scratch: [UInt8] = []
        parser.skipWhitespace()
        try parser.writeCanonicalValue(depth: 0, into: &output, scratch: &scratch)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("unexpected data after the document") }
        bytes = output
    }

    /// The tree (parsed from `bytes`).
    public var value: JSONValue {
        // Only a value nested deeper than the parser allows fails to read back.
        (try? JSONParser.parse(bytes)) ?? .null
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

extension JSONParser {
    /// `parseValue`, writing instead of building.
    mutating func writeCanonicalValue(depth: Int, into output: inout [UInt8], scratch: inout [UInt8]) throws(Error) {
        guard depth < Self.maximumDepth else { throw error("nesting too deep") }
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try writeCanonicalObject(depth: depth, into: &output, scratch: &scratch)
        case UInt8(ascii: "["): try writeCanonicalArray(depth: depth, into: &output, scratch: &scratch)
        case UInt8(ascii: "\""): try writeCanonicalString(into: &output)
        case UInt8(ascii: "t"): try expectLiteral("true"); output.append(ascii: "true")
        case UInt8(ascii: "f"): try expectLiteral("false"); output.append(ascii: "false")
        case UInt8(ascii: "n"): try expectLiteral("null"); output.append(ascii: "null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            let isInteger = try scanNumber()
            let digits = index - start - (bytes[start] == UInt8(ascii: "-") ? 1 : 0)
            if isInteger && digits <= 18 && !(digits == 1 && bytes[start] == UInt8(ascii: "-") && bytes[start + 1] == UInt8(ascii: "0")) {
                // The grammar allows no leading zeros, so an integer of at most 18 digits (one
                // that fits Int64) other than -0 is already what `String(Int64)` writes.
                output.append(contentsOf: bytes[start..<index])
            } else {
                JSONWriter.writeValue(try numberValue(start: start, isInteger: isInteger), into: &output)
            }
        default: throw error("unexpected character")
        }
    }

    /// A string of printable ASCII that needs no escape is copied; any other goes through
    /// `parseString` and `JSONWriter.writeString`.
    private mutating func writeCanonicalString(into output: inout [UInt8]) throws(Error) {
        if let end = plainStringEnd() {
            output.append(contentsOf: bytes[index..<end])
            index = end
            return
        }
        JSONWriter.writeStringLiteral(try parseString(), into: &output, escapingHTML: true)
    }

    /// Where the string at `index` ends (after its closing quote) if it is printable ASCII that
    /// the writer copies as is: then its bytes, quotes included, are its written form.
    private func plainStringEnd() -> Int? {
        var end = index + 1
        while end < bytes.count {
            switch bytes[end] {
            case UInt8(ascii: "\""): return end + 1
            case 0..<0x20, 0x80...0xFF, UInt8(ascii: "\\"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"): return nil
            default: end += 1
            }
        }
        return nil
    }

    private mutating func writeCanonicalArray(depth: Int, into output: inout [UInt8], scratch: inout [UInt8]) throws(Error) {
        index += 1
        output.append(UInt8(ascii: "["))
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            output.append(UInt8(ascii: "]"))
            return
        }
        while true {
            skipWhitespace()
            try writeCanonicalValue(depth: depth + 1, into: &output, scratch: &scratch)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; output.append(UInt8(ascii: ",")); continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; output.append(UInt8(ascii: "]")); return }
            throw error("expected ',' or ']'")
        }
    }

    /// `parseObject`: each value is written at the end of `output` as it is read, then the
    /// members are put in the writer's order. Duplicate names resolve as the parser's dictionary
    /// does: the first spelling of the name stays, the last value wins.
    private mutating func writeCanonicalObject(depth: Int, into output: inout [UInt8], scratch: inout [UInt8]) throws(Error) {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            output.append(ascii: "{}")
            return
        }
        let valuesStart = output.count
        // A plain name (see `plainStringEnd`) is kept as its quoted bytes in the input; any other
        // is parsed.
        var members: [(plainKey: Range<Int>, key: String?, values: Range<Int>)] = []
        var plainKeys = true
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name") }
            var plainKey = index..<index
            var key: String?
            if let end = plainStringEnd() {
                plainKey = index..<end
                index = end
            } else {
                key = try parseString()
                plainKeys = false
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            let valueStart = output.count
            try writeCanonicalValue(depth: depth + 1, into: &output, scratch: &scratch)
            members.append((plainKey, key, valueStart - valuesStart..<output.count - valuesStart))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            throw error("expected ',' or '}'")
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: output[valuesStart...])
        output.removeSubrange(valuesStart...)
        output.append(UInt8(ascii: "{"))
        if plainKeys {
            // Plain names are equal exactly when their bytes are, and the quotes do not change
            // the order: sort by name, then by position, and keep the last of each run.
            let sorted = members.count < 2 ? Array(members.indices) : members.indices.sorted { a, b in
                let order = compare(members[a].plainKey, members[b].plainKey)
                return order == 0 ? a < b : order < 0
            }
            var first = true
            for (rank, position) in sorted.enumerated() {
                if rank + 1 < sorted.count, compare(members[position].plainKey, members[sorted[rank + 1]].plainKey) == 0 { continue }
                if first { first = false } else { output.append(UInt8(ascii: ",")) }
                output.append(contentsOf: bytes[members[position].plainKey])
                output.append(UInt8(ascii: ":"))
                output.append(contentsOf: scratch[members[position].values])
            }
        } else {
            // `String` equality is Unicode canonical equivalence: the parser's dictionary.
            var positions: [String: Int] = [:]
            var unique: [(key: String, values: Range<Int>)] = []
            for member in members {
                let key = member.key ?? String(decoding: bytes[member.plainKey.dropFirst().dropLast()], as: UTF8.self)
                if let position = positions[key] {
                    unique[position].values = member.values
                } else {
                    positions[key] = unique.count
                    unique.append((key, member.values))
                }
            }
            unique.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (position, member) in unique.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                JSONWriter.writeStringLiteral(member.key, into: &output, escapingHTML: true)
                output.append(UInt8(ascii: ":"))
                output.append(contentsOf: scratch[member.values])
            }
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Orders two quoted names by their bytes inside the quotes (a name that is a prefix of the
    /// other comes first: its closing quote is compared only after its last byte).
    private func compare(_ a: Range<Int>, _ b: Range<Int>) -> Int {
        let a = a.dropFirst().dropLast(), b = b.dropFirst().dropLast()
        for offset in 0..<min(a.count, b.count) where bytes[a.lowerBound + offset] != bytes[b.lowerBound + offset] {
            return Int(bytes[a.lowerBound + offset]) - Int(bytes[b.lowerBound + offset])
        }
        return a.count - b.count
    }
}
