/// A small YAML tree and its block-style writer, for the generated manifests: building objects
/// as values (not as indented text templates) keeps every file well-formed and every scalar
/// quoted where YAML would read it as something else (`"0"`, `"true"`, `"*/10 * * * *"`).
public indirect enum YAMLNode: Sendable, Equatable {
    case map([(String, YAMLNode)])
    case list([YAMLNode])
    case string(String)
    case int(Int)
    case bool(Bool)

    public static func == (lhs: YAMLNode, rhs: YAMLNode) -> Bool {
        switch (lhs, rhs) {
        case (.map(let a), .map(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.list(let a), .list(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        default: false
        }
    }
}

extension YAMLNode: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: YAMLNode...) { self = .list(elements) }
    /// Keys keep the order they are written in (Kubernetes readers expect apiVersion, kind, metadata first).
    public init(dictionaryLiteral elements: (String, YAMLNode)...) { self = .map(elements) }
}

public enum YAMLWriter {
    /// One document: `comments` as `# …` lines, then the object.
    public static func document(_ node: YAMLNode, comments: [String] = []) -> String {
        comments.map { $0.isEmpty ? "#\n" : "# \($0)\n" }.joined() + block(node, indent: 0)
    }

    /// Several documents joined by `---`, each with its own comments.
    public static func documents(_ items: [(comments: [String], node: YAMLNode)]) -> String {
        items.map { document($0.node, comments: $0.comments) }.joined(separator: "---\n")
    }

    static func block(_ node: YAMLNode, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        switch node {
        case .map(let pairs):
            if pairs.isEmpty { return pad + "{}\n" }
            var out = ""
            for (key, value) in pairs {
                out += pad + scalar(key) + ":" + inline(value, indent: indent)
            }
            return out
        case .list(let items):
            if items.isEmpty { return pad + "[]\n" }
            var out = ""
            for item in items {
                switch item {
                case .map(let pairs) where !pairs.isEmpty:
                    // "- first: value" then the other keys aligned under "first".
                    let body = block(item, indent: indent + 2)
                    out += pad + "- " + String(body.dropFirst(indent + 2))
                case .list(let inner) where !inner.isEmpty:
                    out += pad + "-\n" + block(item, indent: indent + 2)
                default:
                    out += pad + "- " + flat(item) + "\n"
                }
            }
            return out
        default:
            return pad + flat(node) + "\n"
        }
    }

    /// What follows `key:` (a scalar on the same line, a collection on the next lines).
    static func inline(_ value: YAMLNode, indent: Int) -> String {
        switch value {
        case .map(let pairs) where !pairs.isEmpty: "\n" + block(value, indent: indent + 2)
        case .list(let items) where !items.isEmpty: "\n" + block(value, indent: indent + 2)
        default: " " + flat(value) + "\n"
        }
    }

    static func flat(_ node: YAMLNode) -> String {
        switch node {
        case .string(let text): scalar(text)
        case .int(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .map: "{}"
        case .list: "[]"
        }
    }

    /// A plain scalar when YAML reads it back as the same string, else double-quoted.
    static func scalar(_ text: String) -> String {
        needsQuotes(text) ? quoted(text) : text
    }

    static func needsQuotes(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return true }
        let plain = text.unicodeScalars.allSatisfy { scalar in
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || "-_./:@+=".unicodeScalars.contains(scalar)
        }
        if !plain || text.contains(": ") || text.hasSuffix(":") { return true }
        if "-:.@".unicodeScalars.contains(first) || last == ":" { return true }
        // Scalars YAML 1.1/1.2 resolves to something other than a string.
        let lowered = text.lowercased()
        if ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"].contains(lowered) { return true }
        if text.unicodeScalars.allSatisfy({ ($0 >= "0" && $0 <= "9") || "+-.eE_:xXoObB".unicodeScalars.contains($0) })
            && text.unicodeScalars.contains(where: { $0 >= "0" && $0 <= "9" })
        {
            return true
        }
        return false
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
