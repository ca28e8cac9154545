extension SafeXML {
    /// An expanded name: namespace URI (nil for none) and local name.
    public struct Name: Sendable, Hashable, CustomStringConvertible {
        public let namespace: String?
        public let local: String

        public init(_ namespace: String?, _ local: String) {
            self.namespace = namespace
            self.local = local
        }

        public var description: String { namespace.map { "{\($0)}\(local)" } ?? local }
    }

    public struct Attribute: Sendable, Equatable {
        /// Unprefixed attributes have no namespace (XML Namespaces §6.2), whatever the default namespace.
        public let name: Name
        public let value: String
    }

    public enum Node: Sendable, Equatable {
        case element(Element)
        /// Character data with references decoded, CDATA sections included; adjacent runs are one node.
        case text(String)
    }

    /// An element with its namespace-resolved name, attributes (namespace declarations removed) and
    /// children in document order. Comments and processing instructions are not kept.
    public struct Element: Sendable, Equatable {
        public let name: Name
        public let attributes: [Attribute]
        public let children: [Node]

        public init(name: Name, attributes: [Attribute] = [], children: [Node] = []) {
            self.name = name
            self.attributes = attributes
            self.children = children
        }

        public var elements: [Element] {
            children.compactMap { if case .element(let element) = $0 { element } else { nil } }
        }

        /// Child elements with this expanded name.
        public func elements(_ namespace: String?, _ local: String) -> [Element] {
            elements.filter { $0.name.namespace == namespace && $0.name.local == local }
        }

        /// The first child element with this expanded name.
        public func element(_ namespace: String?, _ local: String) -> Element? {
            for case .element(let element) in children where element.name.namespace == namespace && element.name.local == local {
                return element
            }
            return nil
        }

        /// The element's own character data (not its descendants').
        public var text: String {
            children.reduce(into: "") { if case .text(let text) = $1 { $0 += text } }
        }

        public func attribute(_ local: String, namespace: String? = nil) -> String? {
            attributes.first { $0.name.local == local && $0.name.namespace == namespace }?.value
        }
    }
}
