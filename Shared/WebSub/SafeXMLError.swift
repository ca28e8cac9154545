extension SafeXML {
    /// Why a document was refused, and at which byte.
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public enum Reason: Sendable, Equatable {
            /// The document is larger than `Limits.maximumBytes` (nothing was parsed).
            case tooLarge(bytes: Int, limit: Int)
            /// Elements nest deeper than `Limits.maximumDepth`.
            case tooDeep(limit: Int)
            /// An element has more than `Limits.maximumAttributes` attributes.
            case tooManyAttributes(limit: Int)
            /// A document type declaration: refused, so no entity can be declared (XXE, billion laughs).
            case doctypeForbidden
            /// A markup declaration (`<!ENTITY`, `<!ELEMENT`, …) outside a DTD.
            case declarationForbidden
            /// `&name;` other than the five predefined entities (no DTD can declare one).
            case undeclaredEntity(String)
            /// `&#…;` that is malformed or names a code point XML does not allow (`&#0;`, surrogates, > U+10FFFF).
            case invalidCharacterReference(String)
            /// A literal character XML does not allow (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF).
            case invalidCharacter
            case invalidUTF8
            /// The XML declaration names an encoding other than UTF-8.
            case unsupportedEncoding(String)
            /// A prefix used without a declaration in scope.
            case unboundPrefix(String)
            /// `xmlns:p=""`, or a binding of the reserved `xml`/`xmlns` prefixes or namespaces.
            case invalidNamespaceDeclaration(String)
            case duplicateAttribute(String)
            case mismatchedEndTag(expected: String, found: String)
            /// The document ended inside markup or with elements still open.
            case unexpectedEnd
            case noRootElement
            /// Something other than whitespace, comments or processing instructions after the root.
            case contentAfterRoot
            /// Anything else that is not well-formed.
            case malformed(String)
        }

        public let reason: Reason
        /// Byte offset in the input where the problem was found.
        public let offset: Int

        public init(_ reason: Reason, offset: Int) {
            self.reason = reason
            self.offset = offset
        }

        public var description: String {
            let text: String
            switch reason {
            case .tooLarge(let bytes, let limit): text = "document of \(bytes) bytes exceeds the limit of \(limit)"
            case .tooDeep(let limit): text = "elements nested deeper than \(limit)"
            case .tooManyAttributes(let limit): text = "more than \(limit) attributes on one element"
            case .doctypeForbidden: text = "document type declarations are not accepted"
            case .declarationForbidden: text = "markup declarations are not accepted"
            case .undeclaredEntity(let name): text = "undeclared entity &\(name);"
            case .invalidCharacterReference(let reference): text = "invalid character reference &\(reference);"
            case .invalidCharacter: text = "character not allowed in XML"
            case .invalidUTF8: text = "not valid UTF-8"
            case .unsupportedEncoding(let encoding): text = "unsupported encoding \(encoding) (UTF-8 only)"
            case .unboundPrefix(let prefix): text = "namespace prefix \(prefix) is not declared"
            case .invalidNamespaceDeclaration(let name): text = "invalid namespace declaration \(name)"
            case .duplicateAttribute(let name): text = "duplicate attribute \(name)"
            case .mismatchedEndTag(let expected, let found): text = "end tag </\(found)> does not close <\(expected)>"
            case .unexpectedEnd: text = "document ends unexpectedly"
            case .noRootElement: text = "no root element"
            case .contentAfterRoot: text = "content after the root element"
            case .malformed(let what): text = what
            }
            return "invalid XML at byte \(offset): \(text)"
        }
    }
}
