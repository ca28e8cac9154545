/// How Twitch-controlled text (titles, names, chat) is made inert for a destination. Only
/// substituted values are escaped; the agency's own template text is its markup.
public enum NotificationTextEscaping: Sendable, Hashable {
    /// Discord markdown and mentions: a backslash before every markdown character (`\`, `*`,
    /// `_`, `~`, `` ` ``, `|`, `>`, `<`, `#`, `-`, `[`, `]`, `(`, `)`) so it renders as itself,
    /// and a zero-width space after every `@`, so `@everyone`, `@here`, `<@id>`, `<@&id>` and
    /// `<#id>` neither render nor ping. This is belt and braces: the payload's
    /// `allowed_mentions` already refuses every mention the template did not contain.
    case discord
    /// Slack mrkdwn: `&`, `<`, `>` become `&amp;`, `&lt;`, `&gt;` (Slack's documented escaping;
    /// without `<` nobody can write `<!channel>`, `<@U…>` or a disguised `<url|text>` link).
    case slack
    /// JSON webhooks: values are JSON strings, nothing to escape.
    case none

    /// `text` escaped, and cut at a character boundary (ending in "…") so that the escaped text
    /// is at most `limit` UTF-16 units: a value's longest length holds after escaping, so a
    /// title full of `_` or `&` is shown shorter rather than growing past the bound that
    /// validation promised.
    public func escape(_ text: String, limit: Int) -> String {
        let escaped = escape(text)
        guard NotificationLimits.length(escaped) > limit else { return escaped }
        guard limit > 0 else { return "" }
        var output = ""
        var used = 0
        for character in text {
            // Escape whole characters, so an escape sequence is never cut in half.
            let piece = escape(String(character))
            let size = NotificationLimits.length(piece)
            if used + size > limit - 1 { break }
            output += piece
            used += size
        }
        return output + "…"
    }

    public func escape(_ text: String) -> String {
        switch self {
        case .none:
            return text
        case .slack:
            guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) else { return text }
            var output = ""
            output.reserveCapacity(text.utf8.count + 16)
            for scalar in text.unicodeScalars {
                switch scalar {
                case "&": output += "&amp;"
                case "<": output += "&lt;"
                case ">": output += "&gt;"
                default: output.unicodeScalars.append(scalar)
                }
            }
            return output
        case .discord:
            var output = ""
            output.reserveCapacity(text.utf8.count + 16)
            for scalar in text.unicodeScalars {
                if Self.discordMarkdown.contains(scalar) {
                    output += "\\"
                    output.unicodeScalars.append(scalar)
                } else if scalar == "@" {
                    output += "@\u{200B}"
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
            return output
        }
    }

    private static let discordMarkdown: Set<Unicode.Scalar> = ["\\", "*", "_", "~", "`", "|", ">", "<", "#", "-", "[", "]", "(", ")"]
}
