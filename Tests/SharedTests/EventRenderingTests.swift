import JSONValue
import Postgres
import Rooms
import TestSupport
import Testing

/// Events pages and room messages copy `data` as `CanonicalJSON` (written straight from
/// Postgres' `data::text`) and are written as bytes: every byte must stay what parsing into a
/// `JSONValue` and `JSONWriter` give.
@Suite struct EventRenderingTests {
    /// The reference: what the tree path writes, or nil where the parser rejects the text.
    static func reference(_ text: String) -> [UInt8]? {
        (try? JSONParser.parse(text)).map(JSONWriter.bytes)
    }

    static func expectSameAsTree(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let canonical = try? CanonicalJSON(parsing: text)
        #expect(canonical?.bytes == reference(text), "\(text.debugDescription)", sourceLocation: sourceLocation)
    }

    @Test func handWrittenEdgeCases() {
        let documents = [
            #"{}"#, #"[]"#, #"  {"b": 1, "a": [1, 2, {"d": null, "c": true}]}  "#, #""plain""#, #"0"#, #"-0"#, #"-0.0"#, #"1.0"#,
            #"1e2"#, #"1E+400"#, #"-1e-400"#, #"123456789012345678"#, #"1234567890123456789"#, #"-9223372036854775808"#,
            #"9223372036854775808"#, #"99999999999999999999"#, #"0.1"#, #"1.5e300"#, #"[1.10, 2.50e0, 1e15, 999999999999999.0]"#,
            #"{"a": 1, "a": 2}"#, #"{"b": 1, "a": 2, "b": 3, "a": 4}"#, #"{"ab": 1, "a": 2, "a\u0062": 3}"#,
            #"{"é": 1, "e\u0301": 2}"#, #"{"e\u0301": 1, "\u00e9": 2, "z": 3}"#, #"{"\u00e9": {"é": 0}}"#,
            #"{"<script>": "</script>", "&": "\u2028\u2029 — ’ 😀"}"#, #"["\ud83d\ude00", "\u0000\u0001\u001f\u007f", "\b\f\n\r\t\/\"\\"]"#,
            #"{"k\"ey": 1, "k": 2}"#, #"{"": 1, " ": 2}"#, #"[true, false, null]"#,
            // Rejected by the parser: the canonical form must throw too.
            #"{"a": 1,}"#, #"[1 2]"#, #"01"#, #"1."#, #"-"#, #"{"a" 1}"#, #""\ud800""#, #""\udc00""#, #""\x""#, "\"\u{1}\"",
            #"{"a": 1} x"#, #"tru"#, #"nul"#, #""unterminated"#, #"{"#, #"["#, #"{"a":"#, "",
            String(repeating: "[", count: 127) + String(repeating: "]", count: 127),
            String(repeating: "[", count: 128) + String(repeating: "]", count: 128),
            String(repeating: "{\"a\":", count: 127) + "1" + String(repeating: "}", count: 127),
            String(repeating: "{\"a\":", count: 128) + "1" + String(repeating: "}", count: 128),
        ]
        for document in documents { Self.expectSameAsTree(document) }
        #expect((try? CanonicalJSON(parsing: "{\"a\":")) == nil)
    }

    /// Random trees written in random valid spellings (whitespace, member order, duplicate
    /// names, escapes, number forms), and mutations of them that may be invalid.
    @Test func generatedDocumentsMatchTheTreePath() {
        var generator = DocumentGenerator(seed: 0x5EED_CAFE)
        for _ in 0..<3000 {
            let text = generator.document()
            Self.expectSameAsTree(text)
            Self.expectSameAsTree(generator.mutate(text))
        }
    }

    /// Postgres' own `jsonb::text` (its key order, spacing, escapes and numeric forms) of the
    /// generated documents: what `EventRows` reads from `data::text`.
    @Test func postgresJSONBTextMatchesTheTreePath() throws {
        var generator = DocumentGenerator(seed: 42)
        // jsonb has no NUL in strings and no numbers beyond numeric's range.
        let documents = (0..<600).map { _ in generator.document(allowNUL: false, allowHugeExponents: false) }
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        let result = try connection.query(
            "SELECT ordinality, document::jsonb::text AS stored FROM unnest($1::text[]) WITH ORDINALITY AS d(document, ordinality) ORDER BY ordinality",
            [PostgresArray.literal(documents)])
        #expect(result.rows.count == documents.count)
        for row in result.rows {
            let stored = try row.require("stored")
            Self.expectSameAsTree(stored)
            // And the same value as the original spelling.
            let original = documents[Int(try row.requireInt64("ordinality")) - 1]
            #expect(try CanonicalJSON(parsing: stored) == CanonicalJSON(parsing: original))
        }
    }

    @Test func bytesAndStringWritersAgree() {
        var generator = DocumentGenerator(seed: 7)
        for _ in 0..<500 {
            guard let value = try? JSONParser.parse(generator.document()) else { continue }
            #expect(String(decoding: JSONWriter.bytes(value), as: UTF8.self) == JSONWriter.string(value))
            for case .string(let text) in value.arrayValue ?? [] {
                var bytes: [UInt8] = []
                var string = ""
                JSONWriter.writeString(text, into: &bytes, escapingHTML: false)
                JSONWriter.writeString(text, into: &string, escapingHTML: false)
                #expect(String(decoding: bytes, as: UTF8.self) == string)
            }
        }
        var string = ""
        JSONWriter.writeString("<&>\u{2028}\u{2029}\u{1}", into: &string, escapingHTML: false)
        #expect(string == "\"<&>\u{2028}\u{2029}\\u0001\"")
        #expect(JSONWriter.string(["n": .int(.min), "m": .int(.max), "z": .int(0), "d": .double(-2.0)])
            == #"{"d":-2,"m":9223372036854775807,"n":-9223372036854775808,"z":0}"#)
    }

    /// An event with written `data` publishes and renders exactly what the same event with a
    /// tree does, and compares equal to it.
    @Test func compactEventWithWrittenDataMatchesTheTree() throws {
        var generator = DocumentGenerator(seed: 99)
        for index in 0..<300 {
            let text = generator.document(objectAtTop: true)
            guard let tree = try? JSONParser.parse(text) else { continue }
            func event(_ data: JSONValue?) throws -> CompactEvent {
                let fields = (id: Int64(index) - 150, company: "c\(index)<", creator: index % 3 == 0 ? nil : "cr\u{2028}\(index)")
                if let data {
                    return CompactEvent(id: fields.id, companyID: fields.company, creatorID: fields.creator, type: "channel.chat.message",
                                        version: "1", source: "webhook", occurredAt: "o", receivedAt: "r", broadcasterUserID: "b\"", data: data,
                                        platform: "youtube")
                }
                return CompactEvent(id: fields.id, companyID: fields.company, creatorID: fields.creator, type: "channel.chat.message",
                                    version: "1", source: "webhook", occurredAt: "o", receivedAt: "r", broadcasterUserID: "b\"",
                                    data: try CanonicalJSON(parsing: text), platform: "youtube")
            }
            let fromTree = try event(tree), written = try event(nil)
            #expect(written.jsonText == fromTree.jsonText)
            #expect(written.jsonText == JSONWriter.string(fromTree.json))
            #expect(written.jsonBytes == Array(written.jsonText.utf8))
            var appended = Array("[".utf8)
            written.write(into: &appended)
            #expect(appended == Array("[".utf8) + written.jsonBytes)
            #expect(written == fromTree)
            #expect(CompactEvent(json: try JSONParser.parse(written.jsonText)) == written)
        }
    }

    @Test func columnsAreLookedUpOncePerResult() throws {
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        let result = try connection.query("SELECT 1::bigint AS a, NULL::text AS b, 'x' AS a UNION ALL SELECT 2, 'y', 'z'")
        let a = try result.column("a"), b = try result.column("b")
        #expect(try result.rows.map { try $0.requireInt64(a) } == [1, 2])
        #expect(result.rows.map { $0[b] } == [nil, "y"])
        #expect(try result.rows[1].require(a) == result.rows[1].require("a"))
        #expect(throws: PostgresError.self) { try result.column("missing") }
        #expect(throws: PostgresError.self) { try result.rows[0].require(b) }
    }
}

/// Deterministic random JSON texts (a SplitMix64 stream).
struct DocumentGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func document(objectAtTop: Bool = false, allowNUL: Bool = true, allowHugeExponents: Bool = true) -> String {
        var output = ""
        if objectAtTop { object(depth: 0, into: &output, allowNUL: allowNUL, allowHugeExponents: allowHugeExponents) } else {
            value(depth: 0, into: &output, allowNUL: allowNUL, allowHugeExponents: allowHugeExponents)
        }
        return space() + output + space()
    }

    mutating func space() -> String { chance(70) ? "" : ["", " ", "\n", "\t ", "\r\n  "][below(5)] }

    static let pieces: [String] = [
        "a", "b", "key", "Key", "k1", "k10", "title", "user", " ", "<", ">", "&", "'", "/", "\"", "\\", "\u{1}", "\u{1f}", "\u{7f}",
        "\n", "\t", "\u{8}", "\u{c}", "é", "e\u{301}", "\u{2028}", "\u{2029}", "—", "’", "😀", "中文", "\u{e2}", "\u{fffd}", "\u{10ffff}", "\u{0}",
    ]

    /// A string literal: each piece raw or escaped in one of the valid ways.
    mutating func stringLiteral(allowNUL: Bool, short: Bool = false) -> String {
        var literal = "\""
        for _ in 0..<below(short ? 3 : 8) {
            let piece = Self.pieces[below(Self.pieces.count)]
            if piece == "\u{0}" && !allowNUL { continue }
            for scalar in piece.unicodeScalars {
                switch scalar {
                case "\"": literal += "\\\""
                case "\\": literal += "\\\\"
                case "/" where chance(50): literal += "\\/"
                case "\u{8}" where chance(50): literal += "\\b"
                case "\u{c}" where chance(50): literal += "\\f"
                case "\n" where chance(50): literal += "\\n"
                case "\t" where chance(50): literal += "\\t"
                default:
                    if scalar.value < 0x20 || chance(15) {
                        if scalar.value > 0xFFFF {
                            let value = scalar.value - 0x10000
                            literal += hex4(0xD800 + (value >> 10)) + hex4(0xDC00 + (value & 0x3FF))
                        } else {
                            literal += hex4(scalar.value)
                        }
                    } else {
                        literal.unicodeScalars.append(scalar)
                    }
                }
            }
        }
        return literal + "\""
    }

    mutating func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: chance(50))
        return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    mutating func number(allowHugeExponents: Bool) -> String {
        let forms = ["0", "-0", "7", "-12", "1.0", "-0.0", "2.50", "0.1", "1e2", "1E-2", "-3.25e+1", "123456789012345678", "-123456789012345678",
                     "1234567890123456789", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "999999999999999",
                     "1000000000000000", "999999999999999.5", "12345678901234567890123", "4.9e-324", "1.7976931348623157e308", "1e400", "-1e400"]
        let form = forms[below(forms.count)]
        if !allowHugeExponents && form.hasSuffix("e400") { return "3" }
        return form
    }

    mutating func value(depth: Int, into output: inout String, allowNUL: Bool, allowHugeExponents: Bool) {
        switch below(depth > 4 ? 6 : 9) {
        case 0: output += "null"
        case 1: output += chance(50) ? "true" : "false"
        case 2, 3: output += number(allowHugeExponents: allowHugeExponents)
        case 4, 5: output += stringLiteral(allowNUL: allowNUL)
        case 6: object(depth: depth, into: &output, allowNUL: allowNUL, allowHugeExponents: allowHugeExponents)
        default:
            output += "[" + space()
            for index in 0..<below(5) {
                if index > 0 { output += space() + "," + space() }
                value(depth: depth + 1, into: &output, allowNUL: allowNUL, allowHugeExponents: allowHugeExponents)
            }
            output += space() + "]"
        }
    }

    mutating func object(depth: Int, into output: inout String, allowNUL: Bool, allowHugeExponents: Bool) {
        output += "{" + space()
        for index in 0..<below(7) {
            if index > 0 { output += space() + "," + space() }
            output += stringLiteral(allowNUL: allowNUL, short: true) + space() + ":" + space()
            value(depth: depth + 1, into: &output, allowNUL: allowNUL, allowHugeExponents: allowHugeExponents)
        }
        output += space() + "}"
    }

    /// Truncates, drops, duplicates or replaces a byte (possibly making invalid JSON; a broken
    /// UTF-8 sequence becomes U+FFFD, as in any `String`).
    mutating func mutate(_ text: String) -> String {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return text }
        let position = below(bytes.count)
        switch below(4) {
        case 0: bytes.removeSubrange(position...)
        case 1: bytes.remove(at: position)
        case 2: bytes.insert(bytes[position], at: position)
        default: bytes[position] = [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: ","), UInt8(ascii: "}"), 0xFF, 0xC3, 0xE2, 0x80][below(8)]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
