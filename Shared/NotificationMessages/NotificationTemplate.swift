/// One template text, such as a Discord embed title: the agency's own words with placeholders
/// (`{creator.displayName} is live: {stream.title}`).
///
/// Syntax: `{name}` where `name` is letters, digits, `.` and `_` is a placeholder (known or
/// not: an unknown one is a validation error, never silently kept); `{{` and `}}` are literal
/// braces; any other brace is literal.
public struct NotificationTemplate: Sendable, Hashable, ExpressibleByStringLiteral {
    public enum Segment: Sendable, Hashable {
        /// The agency's own text, rendered as written (its markup, its mentions).
        case literal(String)
        case placeholder(NotificationPlaceholder)
        /// `{name}` with a name that is not a placeholder.
        case unknown(String)
    }

    /// The template as the agency wrote it.
    public let text: String
    public let segments: [Segment]

    public init(_ text: String) {
        self.text = text
        self.segments = Self.parse(text)
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var isEmpty: Bool { text.isEmpty }

    /// The names of unknown placeholders, in order of appearance, without repeats.
    public var unknownPlaceholders: [String] {
        var names: [String] = []
        for case .unknown(let name) in segments where !names.contains(name) { names.append(name) }
        return names
    }

    /// The agency's own text (literal segments joined), where its mentions are looked for.
    public var literalText: String {
        var text = ""
        for case .literal(let literal) in segments { text += literal }
        return text
    }

    /// Renders with every value escaped for the destination; unknown placeholders and missing
    /// values render as nothing.
    public func render(_ context: NotificationContext, escaping: NotificationTextEscaping) -> String {
        var output = ""
        for segment in segments {
            switch segment {
            case .literal(let literal): output += literal
            case .unknown: break
            case .placeholder(let placeholder): output += Self.renderValue(placeholder, context: context, escaping: escaping)
            }
        }
        return output
    }

    /// The longest text `render` can produce for any event and any destination: the literal
    /// length plus each placeholder's longest length (values are cut to it after escaping).
    public var maximumRenderedLength: Int {
        var total = 0
        for segment in segments {
            switch segment {
            case .literal(let literal): total += NotificationLimits.length(literal)
            case .unknown: break
            case .placeholder(let placeholder): total += placeholder.maximumLength
            }
        }
        return total
    }

    /// One value escaped for a destination (also used for embed and block fields).
    static func renderValue(_ placeholder: NotificationPlaceholder, context: NotificationContext, escaping: NotificationTextEscaping) -> String {
        let value = context.cleanValue(placeholder)
        if placeholder.format == .url, escaping == .discord, value.hasPrefix("https://"), NotificationLimits.length(value) <= placeholder.maximumLength,
           value.unicodeScalars.allSatisfy(isPlainURLScalar) {
            return value  // escaping would break the link; these characters mean nothing to markdown inside a URL
        }
        return escaping.escape(value, limit: placeholder.maximumLength)
    }

    private static func isPlainURLScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", ":", "/", "?", "=", "&", "%", "+", "_", "-", "~": return true
        default: return false
        }
    }

    private static func parse(_ text: String) -> [Segment] {
        var segments: [Segment] = []
        var literal = ""
        let characters = Array(text.unicodeScalars)
        var index = 0
        func flush() {
            if !literal.isEmpty { segments.append(.literal(literal)) }
            literal = ""
        }
        while index < characters.count {
            let scalar = characters[index]
            if scalar == "{", index + 1 < characters.count, characters[index + 1] == "{" {
                literal += "{"
                index += 2
                continue
            }
            if scalar == "}", index + 1 < characters.count, characters[index + 1] == "}" {
                literal += "}"
                index += 2
                continue
            }
            if scalar == "{" {
                var end = index + 1
                while end < characters.count, isNameScalar(characters[end]) { end += 1 }
                if end > index + 1, end < characters.count, characters[end] == "}" {
                    let name = String(String.UnicodeScalarView(characters[(index + 1)..<end]))
                    flush()
                    segments.append(NotificationPlaceholder(rawValue: name).map(Segment.placeholder) ?? .unknown(name))
                    index = end + 1
                    continue
                }
            }
            literal.unicodeScalars.append(scalar)
            index += 1
        }
        flush()
        return segments
    }

    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_": return true
        default: return false
        }
    }
}
