/// The destinations' documented size limits, and the one way this module measures text.
public enum NotificationLimits {
    /// Discord: message `content`.
    public static let discordContent = 2000
    /// Discord: embed `title`.
    public static let discordEmbedTitle = 256
    /// Discord: embed `description`.
    public static let discordEmbedDescription = 4096
    /// Discord: a field's `name` and `value`.
    public static let discordFieldName = 256
    public static let discordFieldValue = 1024
    /// Discord: title + description + field names and values + footer + author of all embeds.
    public static let discordEmbedTotal = 6000
    /// Discord: ids per `allowed_mentions.roles` / `.users`.
    public static let discordMentionIDs = 100
    /// Slack: a section block's `text`.
    public static let slackSectionText = 3000
    /// Slack: one of a section's `fields`.
    public static let slackFieldText = 2000
    /// Slack: the top-level `text` (Slack truncates longer ones).
    public static let slackText = 40_000
    /// Generic webhooks: each template (Standard Webhooks asks for payloads under 20 kB).
    public static let webhookTemplate = 4000

    /// Length in UTF-16 code units. Discord and Slack say "characters" without defining them;
    /// UTF-16 units are never fewer than code points or grapheme clusters, so a text within a
    /// limit by this measure is within it by theirs.
    public static func length(_ text: some StringProtocol) -> Int { text.utf16.count }

    /// `text` cut to at most `limit` UTF-16 units at a character boundary, ending in "…" when cut.
    public static func truncate(_ text: String, to limit: Int) -> String {
        guard length(text) > limit else { return text }
        guard limit > 0 else { return "" }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf16.count
            if used + size > limit - 1 { break }
            result.append(character)
            used += size
        }
        return result + "…"
    }
}
