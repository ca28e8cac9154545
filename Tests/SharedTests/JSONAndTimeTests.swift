import EventSub
import JSONValue
import Testing

@Suite struct JSONParserTests {
    @Test func parsesDocuments() throws {
        let value = try JSONParser.parse(#"{"a":[1,-2.5,"x\u00e9\n",true,false,null],"b":{"c":"\ud83d\ude00"},"n":12345678901}"#)
        #expect(value["a"]?.arrayValue?.count == 6)
        #expect(value["a"]?.arrayValue?[0] == .int(1))
        #expect(value["a"]?.arrayValue?[1] == .double(-2.5))
        #expect(value["a"]?.arrayValue?[2] == .string("xé\n"))
        #expect(value["b"]?["c"] == .string("😀"))
        #expect(value["n"]?.int64Value == 12_345_678_901)
    }

    /// Integers up to 18 characters are read from the bytes, longer ones through `Int64(_:)`,
    /// and beyond 64 bits they become doubles: the same values either way.
    @Test func integersAtEveryLength() throws {
        let cases: [(String, JSONValue)] = [
            ("0", .int(0)), ("-0", .int(0)), ("7", .int(7)), ("-42", .int(-42)),
            ("123456789012345678", .int(123_456_789_012_345_678)), ("-12345678901234567", .int(-12_345_678_901_234_567)),
            ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)),
            ("92233720368547758070", .double(92_233_720_368_547_758_070)), ("1e3", .double(1_000)),
        ]
        for (text, value) in cases {
            #expect(try JSONParser.parse(text) == value, "\(text)")
        }
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", "-", "\"\\x\"", "\"\\ud800\"", "\"a\u{01}\"", "[1] x", "tru", "nul",
        String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
    ])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test func writerRoundTripsAndEscapes() throws {
        let value: JSONValue = ["z": "</script>\"&", "a": [1, 2.5, nil, true], "m": ["k": "\u{0001}"]]
        let text = JSONWriter.string(value)
        #expect(text == #"{"a":[1,2.5,null,true],"m":{"k":"\u0001"},"z":"\u003c/script\u003e\"\u0026"}"#)
        #expect(try JSONParser.parse(text) == value)
    }

    /// Strings without escape sequences take a one-piece path in both directions; it must decide
    /// exactly as the per-character path does.
    @Test func stringsWithoutEscapesKeepTheirMeaning() throws {
        #expect(try JSONParser.parse(Array(#"["plain","héllo 😀",""]"#.utf8)) == ["plain", "héllo 😀", ""])
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse([0x22, 0x61, 0xFF, 0x22]) }  // invalid UTF-8
        // ASCII runs skip validation; a run after an escape is checked again.
        #expect(try JSONParser.parse(Array(#"["a\nhé","\té\u0041x"]"#.utf8)) == ["a\nhé", "\téAx"])
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse([0x22, 0x5C, 0x6E, 0x61, 0xC3, 0x22]) }  // "\na" + a cut-off é
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse([0x22, 0xC3, 0xA9, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22]) }  // a surrogate's bytes
        var plain = ""
        JSONWriter.writeString("héllo 😀", into: &plain)
        #expect(plain == "\"héllo 😀\"")
        var separator = ""
        JSONWriter.writeString("a\u{2028}b", into: &separator)
        #expect(separator == #""a\u2028b""#)
        var minimal = ""
        JSONWriter.writeString("a\u{2028}<b>", into: &minimal, escapingHTML: false)
        #expect(minimal == "\"a\u{2028}<b>\"")
    }
}

@Suite struct RFC3339Tests {
    @Test func parsesTwitchTimestamps() throws {
        #expect(RFC3339.unixSeconds("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.unixSeconds("2021-03-19T23:51:24.637747359Z")! - 1_616_197_884.637747359 < 1e-6)
        #expect(RFC3339.unixSeconds("2021-04-11T09:49:55.813Z") == 1_618_134_595.813)
        #expect(RFC3339.unixSeconds("2021-04-11T11:49:55+02:00") == 1_618_134_595)
        #expect(RFC3339.unixSeconds("2024-02-29T00:00:00Z") == 1_709_164_800)
    }

    @Test(arguments: ["", "2021-13-01T00:00:00Z", "2021-02-30T00:00:00Z", "2021-01-01T00:00:00", "2021-01-01T00:00:00.Z",
                      "2021-01-01T00:00:00.1234567890Z", "2021-01-01 00:00Z", "yesterday"])
    func rejectsMalformed(_ text: String) {
        #expect(RFC3339.unixSeconds(text) == nil)
    }

    @Test func formatsRoundTrip() {
        #expect(RFC3339.format(unixSeconds: 1_618_134_595.813) == "2021-04-11T09:49:55.813000Z")
        #expect(RFC3339.unixSeconds(RFC3339.format(unixSeconds: 1_700_000_000.25)) == 1_700_000_000.25)
    }
}
