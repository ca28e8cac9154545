/// A small, safe XML 1.0 reader for documents other people send us (WebSub notifications), written
/// here instead of using FoundationXML/libxml2 so that what it refuses does not depend on a
/// distribution's libxml2 version or on parser options being set right.
///
/// Safe by construction rather than by limits on expansion: a document type declaration is refused
/// outright (`<!DOCTYPE`, and so every `<!ENTITY`), so there are no external entities (XXE), no
/// parameter entities and no entity expansion (billion laughs) to bound. Only the five predefined
/// entities and numeric character references are decoded. The input size is checked before any
/// parsing and nesting depth is capped, so work and memory are linear in a bounded input.
///
/// Namespaces are resolved (`xmlns`, `xmlns:p`): callers match elements by namespace URI and local
/// name, never by the prefix a sender happened to choose.
public enum SafeXML {
    /// The namespace the `xml` prefix is bound to without a declaration (XML Namespaces §3).
    public static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"
    static let xmlnsNamespace = "http://www.w3.org/2000/xmlns/"

    /// Parses a whole document and returns its root element. UTF-8 only (an `encoding` other than
    /// UTF-8/US-ASCII in the XML declaration is refused); a UTF-8 byte order mark is skipped.
    public static func parse(_ bytes: some Collection<UInt8>, limits: Limits = Limits()) throws(Error) -> Element {
        // Before copying or looking at a single byte of content.
        let count = bytes.count
        guard count <= limits.maximumBytes else {
            throw Error(.tooLarge(bytes: count, limit: limits.maximumBytes), offset: 0)
        }
        var reader = SafeXMLReader(bytes: Array(bytes), limits: limits)
        return try reader.document()
    }

    public static func parse(_ text: String, limits: Limits = Limits()) throws(Error) -> Element {
        try parse(text.utf8, limits: limits)
    }
}
