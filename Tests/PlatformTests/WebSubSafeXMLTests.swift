import BlockingIO
import Testing
import WebSub

/// The reader behind every WebSub body: hostile documents are refused where they start, without
/// expanding, fetching or allocating anything in proportion to what they ask for.
@Suite struct WebSubSafeXMLTests {
    private func reason(_ text: String, limits: SafeXML.Limits = SafeXML.Limits()) -> SafeXML.Error.Reason? {
        do {
            _ = try SafeXML.parse(text, limits: limits)
            return nil
        } catch {
            return error.reason
        }
    }

    /// Refused with `expected` within `milliseconds`: generous for a debug build on a busy shared
    /// machine (a refusal takes about a millisecond alone), and still far below what expanding
    /// 10^9 characters or reading a file would take.
    private func expectRefusedQuickly(_ text: String, _ expected: SafeXML.Error.Reason, milliseconds: UInt64 = 1_000,
                                      sourceLocation: SourceLocation = #_sourceLocation) {
        let start = monotonicNanoseconds()
        let got = reason(text)
        let elapsed = (monotonicNanoseconds() - start) / 1_000_000
        #expect(got == expected, sourceLocation: sourceLocation)
        #expect(elapsed < milliseconds, "took \(elapsed) ms", sourceLocation: sourceLocation)
    }

    @Test func billionLaughsIsRefusedAtTheDoctype() {
        var document = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        document += " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        for level in 2...9 { document += " <!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">\n" }
        document += "]>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>&lol9;</title></feed>"
        expectRefusedQuickly(document, .doctypeForbidden)
        // Without the DOCTYPE the reference is simply undeclared: nothing exists to expand.
        expectRefusedQuickly("<feed><title>&lol9;</title></feed>", .undeclaredEntity("lol9"))
    }

    @Test func externalEntitiesAreNeverResolved() throws {
        let xxe = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE feed [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
            <feed xmlns="http://www.w3.org/2005/Atom"><title>&xxe;</title></feed>
            """
        expectRefusedQuickly(xxe, .doctypeForbidden)
        // External DTD subset (fetch over the network) and parameter entities: refused the same way.
        expectRefusedQuickly("<!DOCTYPE feed SYSTEM \"http://127.0.0.1:1/evil.dtd\"><feed/>", .doctypeForbidden)
        expectRefusedQuickly("""
            <!DOCTYPE feed [ <!ENTITY % remote SYSTEM "http://127.0.0.1:1/x.dtd"> %remote; ]><feed/>
            """, .doctypeForbidden)
        // Any spelling, after comments and processing instructions, or after the root.
        expectRefusedQuickly("<!-- hi --><?pi x?><!doctype feed><feed/>", .doctypeForbidden)
        expectRefusedQuickly("<feed/><!DOCTYPE feed>", .doctypeForbidden)
        expectRefusedQuickly("<feed><!DOCTYPE feed></feed>", .doctypeForbidden)
        expectRefusedQuickly("<!ENTITY xxe SYSTEM \"file:///etc/passwd\"><feed/>", .declarationForbidden)
        expectRefusedQuickly("<feed a=\"&xxe;\"/>", .undeclaredEntity("xxe"))
        // And the file is not in any error text.
        do {
            _ = try SafeXML.parse(xxe)
        } catch {
            #expect(!error.description.contains("root:"))
        }
    }

    @Test func oversizeDocumentsAreRefusedBeforeParsing() {
        let limits = SafeXML.Limits(maximumBytes: 1024)
        let big = "<feed>" + String(repeating: "a", count: 2000) + "</feed>"
        #expect(reason(big, limits: limits) == .tooLarge(bytes: big.utf8.count, limit: 1024))
        // The default cap is 256 KiB: 300 KiB of otherwise fine XML is refused, without parsing.
        let huge = "<feed>" + String(repeating: "<entry>x</entry>", count: 20_000) + "</feed>"
        expectRefusedQuickly(huge, .tooLarge(bytes: huge.utf8.count, limit: 256 * 1024))
    }

    @Test func deepNestingIsRefusedAtTheLimit() throws {
        let depth = 10_000
        let deep = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        expectRefusedQuickly(deep, .tooDeep(limit: 32))
        let limits = SafeXML.Limits(maximumDepth: 3)
        #expect(try SafeXML.parse("<a><b><c/></b></a>", limits: limits).elements.count == 1)
        #expect(reason("<a><b><c><d/></c></b></a>", limits: limits) == .tooDeep(limit: 3))
    }

    @Test func invalidCharacterReferencesAreRefused() {
        for reference in ["#0", "#x0", "#xD800", "#xDFFF", "#x110000", "#xFFFE", "#xFFFF", "#1114112", "#99999999999999999999", "#x", "#", "#12a", "#xG1", "#x1F"] {
            #expect(reason("<a>&\(reference);</a>") == .invalidCharacterReference(reference), "&\(reference);")
        }
        #expect(reason("<a>\u{1}</a>") == .invalidCharacter)
        #expect(reason("<a>&amp</a>") == .unexpectedEnd)
        #expect(reason("<a>&" + String(repeating: "a", count: 100) + ";</a>") == .malformed("unterminated reference"))
        #expect(reason("<a>&1x;</a>") == .malformed("invalid entity reference"))
        var invalidUTF8 = Array("<a>".utf8)
        invalidUTF8 += [0xC3, 0x28]
        invalidUTF8 += Array("</a>".utf8)
        #expect(throws: SafeXML.Error(.invalidUTF8, offset: 0)) { try SafeXML.parse(invalidUTF8) }
    }

    @Test func decodesPredefinedEntitiesCharacterReferencesAndCDATA() throws {
        let root = try SafeXML.parse("""
            <?xml version="1.0" encoding="utf-8"?>
            <!-- a comment -->
            <r a='1 &amp; "2"' b="x&#10;y
            z"><?skip me?>&lt;&gt;&amp;&quot;&apos;&#65;&#x1F600;<![CDATA[<not>&markup;]]>\r\nend</r>
            """)
        #expect(root.name == SafeXML.Name(nil, "r"))
        #expect(root.attribute("a") == "1 & \"2\"")
        // Attribute-value normalization: a literal newline is a space, a character reference is kept.
        #expect(root.attribute("b") == "x\ny z")
        #expect(root.text == "<>&\"'A😀<not>&markup;\nend")
        #expect(root.children.count == 1)
    }

    @Test func namespacesResolveByURINotPrefix() throws {
        let root = try SafeXML.parse("""
            <a:feed xmlns:a="urn:atom" xmlns="urn:default" xmlns:q="urn:q">
              <entry q:id="1" id="2"><a:title>t</a:title><inner xmlns=""><x/></inner></entry>
              <q:y xmlns:q="urn:other"/>
            </a:feed>
            """)
        #expect(root.name == SafeXML.Name("urn:atom", "feed"))
        let entry = try #require(root.element("urn:default", "entry"))
        #expect(entry.attribute("id", namespace: "urn:q") == "1")
        #expect(entry.attribute("id") == "2")
        #expect(entry.element("urn:atom", "title")?.text == "t")
        #expect(entry.element(nil, "inner")?.element(nil, "x") != nil)
        // The inner binding shadows the outer one only inside its element.
        #expect(root.element("urn:other", "y") != nil)
        #expect(root.element("urn:q", "y") == nil)
        #expect(try SafeXML.parse("<r xml:lang='en'/>").attribute("lang", namespace: SafeXML.xmlNamespace) == "en")
    }

    @Test func malformedDocumentsGetTypedErrors() {
        #expect(reason("") == .noRootElement)
        #expect(reason("   <!-- only a comment -->") == .noRootElement)
        #expect(reason("text<a/>") == .malformed("text before the root element"))
        #expect(reason("<a>") == .unexpectedEnd)
        #expect(reason("<a></b>") == .mismatchedEndTag(expected: "a", found: "b"))
        #expect(reason("<a/><b/>") == .contentAfterRoot)
        #expect(reason("<a/>trailing") == .contentAfterRoot)
        #expect(reason("<p:a/>") == .unboundPrefix("p"))
        #expect(reason("<a p:x='1'/>") == .unboundPrefix("p"))
        #expect(reason("<a x='1' x='2'/>") == .duplicateAttribute("x"))
        #expect(reason("<a xmlns:p='urn:1' xmlns:q='urn:1' p:x='1' q:x='2'/>") == .duplicateAttribute("{urn:1}x"))
        #expect(reason("<a xmlns:p=''/>") == .invalidNamespaceDeclaration("xmlns:p"))
        #expect(reason("<a xmlns:xml='urn:x'/>") == .invalidNamespaceDeclaration("xmlns:xml"))
        #expect(reason("<a x=1/>") == .malformed("attribute value must be quoted"))
        #expect(reason("<a x='<'/>") == .malformed("< in an attribute value"))
        #expect(reason("<a>]]></a>") == .malformed("]]> in character data"))
        #expect(reason("<?xml version='1.0' encoding='ISO-8859-1'?><a/>") == .unsupportedEncoding("ISO-8859-1"))
        #expect(reason("<a/><?xml version='1.0'?>") == .malformed("XML declaration not at the start"))
        #expect(reason("<a><![CDATA[x</a>") == .unexpectedEnd)
        #expect(reason("<a><!-- x</a>") == .unexpectedEnd)
        let tooMany = "<a " + (0..<65).map { "x\($0)='1'" }.joined(separator: " ") + "/>"
        #expect(reason(tooMany) == .tooManyAttributes(limit: 64))
    }

    @Test func aLargeValidDocumentUnderTheCapParsesInLinearTime() throws {
        let entries = String(repeating: "<entry><title>t &amp; u</title></entry>\n", count: 5_000)
        let document = "<feed xmlns='http://www.w3.org/2005/Atom'>\(entries)</feed>"
        #expect(document.utf8.count < 256 * 1024)
        let start = monotonicNanoseconds()
        let root = try SafeXML.parse(document)
        #expect(root.elements.count == 5_000)
        #expect((monotonicNanoseconds() - start) / 1_000_000 < 2_000)
    }
}
