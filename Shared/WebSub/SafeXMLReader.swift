/// The parser behind `SafeXML.parse`: one forward pass over validated UTF-8 with a stack of open
/// elements (no recursion, so depth costs no stack).
struct SafeXMLReader {
    private typealias Failure = SafeXML.Error

    private struct OpenElement {
        /// The tag's name as written, which the end tag must repeat exactly.
        let qualifiedName: [UInt8]
        let name: SafeXML.Name
        let attributes: [SafeXML.Attribute]
        var children: [SafeXML.Node]
        let bindingCount: Int
    }

    private let bytes: [UInt8]
    private let limits: SafeXML.Limits
    private var index = 0
    private var open: [OpenElement] = []
    /// Namespace bindings in scope, innermost last; the prefix "" is the default namespace and the
    /// URI "" undeclares it.
    private var bindings: [(prefix: [UInt8], uri: String)] = []
    /// Character data of the innermost open element not yet stored as a node.
    private var pendingText: [UInt8] = []

    init(bytes: [UInt8], limits: SafeXML.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func document() throws(SafeXML.Error) -> SafeXML.Element {
        try checkCharacters()
        if at(Self.byteOrderMark) { index = Self.byteOrderMark.count }
        if at(Self.declarationOpen), index + 5 < bytes.count, Self.isWhitespace(bytes[index + 5]) { try xmlDeclaration() }
        try skipMisc()
        guard index < bytes.count else { throw error(.noRootElement) }
        guard bytes[index] == UInt8(ascii: "<") else { throw error(.malformed("text before the root element")) }
        let root = try rootElement()
        try skipMisc()
        guard index == bytes.count else { throw error(.contentAfterRoot) }
        return root
    }

    // MARK: - Structure

    private mutating func rootElement() throws(Failure) -> SafeXML.Element {
        var finished = try startTag()
        while finished == nil {
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            if bytes[index] != UInt8(ascii: "<") {
                try characterData()
            } else if at(Self.endTagOpen) {
                finished = attach(try endTag())
            } else if at(Self.commentOpen) {
                try comment()
            } else if at(Self.cdataOpen) {
                try cdata()
            } else if at(Self.processingInstructionOpen) {
                try processingInstruction()
            } else if at(Self.markupDeclarationOpen) {
                throw declarationError()
            } else if let element = try startTag() {
                finished = attach(element)
            }
        }
        return finished!
    }

    /// Stores a completed element in its parent; returns it when it is the root.
    private mutating func attach(_ element: SafeXML.Element) -> SafeXML.Element? {
        guard !open.isEmpty else { return element }
        flushText()
        open[open.count - 1].children.append(.element(element))
        return nil
    }

    private mutating func flushText() {
        guard !pendingText.isEmpty, !open.isEmpty else { return }
        open[open.count - 1].children.append(.text(String(decoding: pendingText, as: UTF8.self)))
        pendingText.removeAll(keepingCapacity: true)
    }

    /// Whitespace, comments and processing instructions before and after the root.
    private mutating func skipMisc() throws(Failure) {
        while true {
            skipWhitespace()
            if at(Self.commentOpen) {
                try comment()
            } else if at(Self.processingInstructionOpen) {
                try processingInstruction()
            } else if at(Self.markupDeclarationOpen) {
                throw declarationError()
            } else {
                return
            }
        }
    }

    /// `<!DOCTYPE` (any case) and every other markup declaration are refused where they start,
    /// before anything in them is read.
    private func declarationError() -> Failure {
        let rest = bytes[(index + 2)...].prefix(Self.doctypeKeyword.count).map { $0 | 0x20 }
        if rest.elementsEqual(Self.doctypeKeyword.map { $0 | 0x20 }) { return error(.doctypeForbidden) }
        if let first = bytes[(index + 2)...].first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) {
            return error(.declarationForbidden)
        }
        return error(.malformed("unexpected <!"))
    }

    // MARK: - Tags

    /// Reads `<name attributes>` or `<name attributes/>`. An empty-element tag is returned complete;
    /// a start tag opens an element and returns nil.
    private mutating func startTag() throws(Failure) -> SafeXML.Element? {
        index += 1
        let qualifiedName = try name()
        var raw: [(name: [UInt8], value: String, offset: Int)] = []
        let isEmpty: Bool
        while true {
            let spaced = skipWhitespace()
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            if bytes[index] == UInt8(ascii: ">") {
                index += 1
                isEmpty = false
                break
            }
            if at(Self.emptyTagClose) {
                index += 2
                isEmpty = true
                break
            }
            guard spaced else { throw error(.malformed("expected whitespace before an attribute")) }
            let offset = index
            let attributeName = try name()
            skipWhitespace()
            try expect(UInt8(ascii: "="))
            skipWhitespace()
            let value = try attributeValue()
            if raw.contains(where: { $0.name == attributeName }) {
                throw Failure(.duplicateAttribute(String(decoding: attributeName, as: UTF8.self)), offset: offset)
            }
            raw.append((attributeName, value, offset))
            guard raw.count <= limits.maximumAttributes else { throw error(.tooManyAttributes(limit: limits.maximumAttributes)) }
        }
        guard open.count < limits.maximumDepth else { throw error(.tooDeep(limit: limits.maximumDepth)) }

        var bindingCount = 0
        var plain: [(name: [UInt8], value: String, offset: Int)] = []
        for attribute in raw {
            if let prefix = try namespaceDeclarationPrefix(attribute) {
                bindings.append((prefix, attribute.value))
                bindingCount += 1
            } else if !(Self.isXMLPrefixDeclaration(attribute.name)) {
                plain.append(attribute)
            }
        }
        let elementName = try resolve(qualifiedName, isAttribute: false, offset: index)
        var attributes: [SafeXML.Attribute] = []
        for attribute in plain {
            let resolved = SafeXML.Attribute(name: try resolve(attribute.name, isAttribute: true, offset: attribute.offset), value: attribute.value)
            // `a:x` and `b:x` with a and b bound to the same URI are the same attribute.
            if attributes.contains(where: { $0.name == resolved.name }) {
                throw Failure(.duplicateAttribute(resolved.name.description), offset: attribute.offset)
            }
            attributes.append(resolved)
        }
        if isEmpty {
            bindings.removeLast(bindingCount)
            return SafeXML.Element(name: elementName, attributes: attributes)
        }
        flushText()
        open.append(OpenElement(qualifiedName: qualifiedName, name: elementName, attributes: attributes, children: [], bindingCount: bindingCount))
        return nil
    }

    private mutating func endTag() throws(Failure) -> SafeXML.Element {
        let offset = index
        index += 2
        let qualifiedName = try name()
        skipWhitespace()
        try expect(UInt8(ascii: ">"))
        flushText()
        let element = open.removeLast()
        guard qualifiedName == element.qualifiedName else {
            throw Failure(.mismatchedEndTag(expected: String(decoding: element.qualifiedName, as: UTF8.self),
                                            found: String(decoding: qualifiedName, as: UTF8.self)), offset: offset)
        }
        bindings.removeLast(element.bindingCount)
        return SafeXML.Element(name: element.name, attributes: element.attributes, children: element.children)
    }

    // MARK: - Namespaces

    /// The prefix an `xmlns` / `xmlns:p` attribute binds ("" for the default namespace), nil for
    /// other attributes. Rejects what XML Namespaces 1.0 forbids.
    private func namespaceDeclarationPrefix(_ attribute: (name: [UInt8], value: String, offset: Int)) throws(Failure) -> [UInt8]? {
        let uri = attribute.value
        let reserved = uri == SafeXML.xmlNamespace || uri == SafeXML.xmlnsNamespace
        if attribute.name == Self.xmlnsName {
            guard !reserved else { throw Failure(.invalidNamespaceDeclaration("xmlns=\"\(uri)\""), offset: attribute.offset) }
            return []
        }
        guard attribute.name.starts(with: Self.xmlnsPrefix) else { return nil }
        let prefix = Array(attribute.name.dropFirst(Self.xmlnsPrefix.count))
        let written = String(decoding: attribute.name, as: UTF8.self)
        if prefix == Self.xmlName {
            // Allowed only as the binding it already has; not stored.
            guard uri == SafeXML.xmlNamespace else { throw Failure(.invalidNamespaceDeclaration(written), offset: attribute.offset) }
            return nil
        }
        guard prefix != Self.xmlnsName, !uri.isEmpty, !reserved else {
            throw Failure(.invalidNamespaceDeclaration(written), offset: attribute.offset)
        }
        return prefix
    }

    private static func isXMLPrefixDeclaration(_ name: [UInt8]) -> Bool {
        name == xmlnsPrefix + xmlName
    }

    /// The expanded name of `prefix:local` or `local`. Unprefixed attributes are in no namespace;
    /// unprefixed elements are in the default namespace.
    private func resolve(_ qualifiedName: [UInt8], isAttribute: Bool, offset: Int) throws(Failure) -> SafeXML.Name {
        let colon = UInt8(ascii: ":")
        guard let split = qualifiedName.firstIndex(of: colon) else {
            let local = String(decoding: qualifiedName, as: UTF8.self)
            if isAttribute { return SafeXML.Name(nil, local) }
            let uri = lookup([])
            return SafeXML.Name(uri.flatMap { $0.isEmpty ? nil : $0 }, local)
        }
        let prefix = Array(qualifiedName[..<split])
        let local = qualifiedName[(split + 1)...]
        guard !prefix.isEmpty, !local.isEmpty, !local.contains(colon), let first = local.first, Self.isNameStart(first) else {
            throw Failure(.malformed("invalid qualified name \(String(decoding: qualifiedName, as: UTF8.self))"), offset: offset)
        }
        let uri: String? = prefix == Self.xmlName ? SafeXML.xmlNamespace : lookup(prefix)
        guard let uri else { throw Failure(.unboundPrefix(String(decoding: prefix, as: UTF8.self)), offset: offset) }
        return SafeXML.Name(uri, String(decoding: local, as: UTF8.self))
    }

    private func lookup(_ prefix: [UInt8]) -> String? {
        bindings.last { $0.prefix == prefix }?.uri
    }

    // MARK: - Content

    private mutating func attributeValue() throws(Failure) -> String {
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        let quote = bytes[index]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { throw error(.malformed("attribute value must be quoted")) }
        index += 1
        var value: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            let byte = bytes[index]
            switch byte {
            case quote:
                index += 1
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "<"):
                throw error(.malformed("< in an attribute value"))
            case UInt8(ascii: "&"):
                Self.append(try reference(), to: &value)
            case UInt8(ascii: "\r"):
                // Attribute-value normalization (XML §3.3.3): each line end and tab is one space.
                value.append(UInt8(ascii: " "))
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\n"), UInt8(ascii: "\t"):
                value.append(UInt8(ascii: " "))
                index += 1
            default:
                value.append(byte)
                index += 1
            }
        }
    }

    private mutating func characterData() throws(Failure) {
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "<"):
                return
            case UInt8(ascii: "&"):
                let scalar = try reference()
                Self.append(scalar, to: &pendingText)
            case UInt8(ascii: "\r"):
                appendLineEnd()
            case UInt8(ascii: "]") where at(Self.cdataClose):
                throw error(.malformed("]]> in character data"))
            default:
                pendingText.append(byte)
                index += 1
            }
        }
    }

    /// CR LF and a lone CR are one LF (XML §2.11).
    private mutating func appendLineEnd() {
        pendingText.append(UInt8(ascii: "\n"))
        index += 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "\n") { index += 1 }
    }

    private mutating func cdata() throws(Failure) {
        index += Self.cdataOpen.count
        guard let end = find(Self.cdataClose) else { throw error(.unexpectedEnd) }
        while index < end {
            if bytes[index] == UInt8(ascii: "\r") {
                appendLineEnd()
            } else {
                pendingText.append(bytes[index])
                index += 1
            }
        }
        index = end + Self.cdataClose.count
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;`, `&#N;` and `&#xH;`; every other name is undeclared
    /// (nothing can declare one). A reference is at most 32 bytes, so a huge one costs nothing.
    private mutating func reference() throws(Failure) -> Unicode.Scalar {
        let start = index
        index += 1
        var end = index
        while end < bytes.count, end - index <= 32, bytes[end] != UInt8(ascii: ";") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";") else {
            throw Failure(end >= bytes.count ? .unexpectedEnd : .malformed("unterminated reference"), offset: start)
        }
        let body = Array(bytes[index..<end])
        index = end + 1
        if body.first == UInt8(ascii: "#") {
            guard let scalar = Self.characterReference(body.dropFirst()) else {
                throw Failure(.invalidCharacterReference(String(decoding: body, as: UTF8.self)), offset: start)
            }
            return scalar
        }
        switch body {
        case Self.lt: return "<"
        case Self.gt: return ">"
        case Self.amp: return "&"
        case Self.quot: return "\""
        case Self.apos: return "'"
        default:
            guard let first = body.first, Self.isNameStart(first), body.allSatisfy(Self.isNameCharacter) else {
                throw Failure(.malformed("invalid entity reference"), offset: start)
            }
            throw Failure(.undeclaredEntity(String(decoding: body, as: UTF8.self)), offset: start)
        }
    }

    private static func append(_ scalar: Unicode.Scalar, to output: inout [UInt8]) {
        UTF8.encode(scalar) { output.append($0) }
    }

    /// The scalar of `N` / `xH` if it is a legal XML character (XML §2.2 Char).
    private static func characterReference(_ digits: ArraySlice<UInt8>) -> Unicode.Scalar? {
        var text = digits
        let radix: UInt32
        if text.first == UInt8(ascii: "x") {
            radix = 16
            text = text.dropFirst()
        } else {
            radix = 10
        }
        guard !text.isEmpty else { return nil }
        var value: UInt32 = 0
        for byte in text {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value * radix + digit
            guard value <= 0x10FFFF else { return nil }
        }
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return Unicode.Scalar(value)
        default: return nil
        }
    }

    private mutating func comment() throws(Failure) {
        index += Self.commentOpen.count
        guard let end = find(Self.commentClose) else { throw error(.unexpectedEnd) }
        index = end + Self.commentClose.count
    }

    /// Skipped whole; `<?xml` is only allowed as the declaration at the very start.
    private mutating func processingInstruction() throws(Failure) {
        index += 2
        let target = try name()
        if target.count == 3, target.map({ $0 | 0x20 }) == Self.xmlName { throw error(.malformed("XML declaration not at the start")) }
        guard let end = find(Self.processingInstructionClose) else { throw error(.unexpectedEnd) }
        index = end + 2
    }

    /// `<?xml version="1.0" encoding="…"?>`: only the encoding matters (UTF-8 or its subset ASCII).
    private mutating func xmlDeclaration() throws(Failure) {
        guard let end = find(Self.processingInstructionClose) else { throw error(.unexpectedEnd) }
        let declaration = bytes[index..<end]
        if let range = declaration.firstRange(of: Self.encodingKeyword) {
            var cursor = range.upperBound
            while cursor < end, Self.isWhitespace(bytes[cursor]) || bytes[cursor] == UInt8(ascii: "=") { cursor += 1 }
            guard cursor < end, bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'") else {
                throw error(.malformed("invalid XML declaration"))
            }
            let quote = bytes[cursor]
            let valueStart = cursor + 1
            guard let valueEnd = bytes[valueStart..<end].firstIndex(of: quote) else { throw error(.malformed("invalid XML declaration")) }
            let encoding = String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
            guard ["utf-8", "utf8", "us-ascii"].contains(encoding.lowercased()) else {
                throw Failure(.unsupportedEncoding(encoding), offset: valueStart)
            }
        }
        index = end + 2
    }

    // MARK: - Lexing

    /// Valid UTF-8, and no character XML excludes (C0 controls but tab/LF/CR, U+FFFE, U+FFFF).
    private func checkCharacters() throws(Failure) {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw Failure(.invalidUTF8, offset: 0) }
        for offset in bytes.indices {
            let byte = bytes[offset]
            if byte < 0x20, byte != 0x09, byte != 0x0A, byte != 0x0D { throw Failure(.invalidCharacter, offset: offset) }
            // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
            if byte == 0xEF, offset + 2 < bytes.count, bytes[offset + 1] == 0xBF, bytes[offset + 2] >= 0xBE {
                throw Failure(.invalidCharacter, offset: offset)
            }
        }
    }

    private mutating func name() throws(Failure) -> [UInt8] {
        let start = index
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        guard Self.isNameStart(bytes[index]) else { throw error(.malformed("expected a name")) }
        index += 1
        while index < bytes.count, Self.isNameCharacter(bytes[index]) { index += 1 }
        return Array(bytes[start..<index])
    }

    /// ASCII letters, `_`, `:` and any non-ASCII character (XML's NameStartChar is broad; being a
    /// little broader costs nothing here).
    private static func isNameStart(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"), UInt8(ascii: ":"), 0x80...0xFF:
            return true
        default:
            return false
        }
    }

    private static func isNameCharacter(_ byte: UInt8) -> Bool {
        isNameStart(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = index
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
        return index > start
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        guard bytes[index] == byte else { throw error(.malformed("expected \(Character(Unicode.Scalar(byte)))")) }
        index += 1
    }

    private func at(_ pattern: [UInt8]) -> Bool {
        guard index + pattern.count <= bytes.count else { return false }
        for offset in pattern.indices where bytes[index + offset] != pattern[offset] { return false }
        return true
    }

    /// The offset of the next `pattern` at or after the cursor.
    private func find(_ pattern: [UInt8]) -> Int? {
        var candidate = index
        while candidate + pattern.count <= bytes.count {
            if bytes[candidate] == pattern[0], bytes[candidate..<(candidate + pattern.count)].elementsEqual(pattern) { return candidate }
            candidate += 1
        }
        return nil
    }

    private func error(_ reason: SafeXML.Error.Reason) -> Failure {
        Failure(reason, offset: index)
    }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let declarationOpen = Array("<?xml".utf8)
    private static let endTagOpen = Array("</".utf8)
    private static let emptyTagClose = Array("/>".utf8)
    private static let commentOpen = Array("<!--".utf8)
    private static let commentClose = Array("-->".utf8)
    private static let cdataOpen = Array("<![CDATA[".utf8)
    private static let cdataClose = Array("]]>".utf8)
    private static let processingInstructionOpen = Array("<?".utf8)
    private static let processingInstructionClose = Array("?>".utf8)
    private static let markupDeclarationOpen = Array("<!".utf8)
    private static let doctypeKeyword = Array("DOCTYPE".utf8)
    private static let encodingKeyword = Array("encoding".utf8)
    private static let xmlnsName = Array("xmlns".utf8)
    private static let xmlnsPrefix = Array("xmlns:".utf8)
    private static let xmlName = Array("xml".utf8)
    private static let lt = Array("lt".utf8)
    private static let gt = Array("gt".utf8)
    private static let amp = Array("amp".utf8)
    private static let quot = Array("quot".utf8)
    private static let apos = Array("apos".utf8)
}
