/// What a destination sends for an event: the agency's templates for the message text, the
/// headline and the body, rendered into each kind's payload (`DiscordPayload`, `SlackPayload`,
/// `WebhookPayload`).
///
/// - Discord: `content` is the message text (the only place a mention pings), `title` and
///   `description` the embed's, `color` the embed's colour, fields from the event's values.
/// - Slack: `content` and a bold, linked `title` and `description` in one section block;
///   `content` (else `title`) is the notification fallback `text`.
/// - Webhook: all three rendered unescaped into `data.message`.
public struct NotificationMessageTemplate: Sendable, Hashable {
    public var content: NotificationTemplate
    public var title: NotificationTemplate
    public var description: NotificationTemplate
    /// Embed colour, 0x000000–0xFFFFFF; nil for Twitch purple.
    public var color: Int?
    /// Adds the event's values (category, viewers, raider, tier, gifts, bits) as fields.
    public var showsFields: Bool

    public init(content: NotificationTemplate = "", title: NotificationTemplate, description: NotificationTemplate = "", color: Int? = nil,
                showsFields: Bool = true) {
        self.content = content
        self.title = title
        self.description = description
        self.color = color
        self.showsFields = showsFields
    }

    /// Twitch purple (#9146FF).
    public static let twitchPurple = 0x9146FF

    /// A sensible message for an event type, used until the agency writes its own.
    public static func standard(for eventType: String) -> NotificationMessageTemplate {
        switch eventType {
        case "stream.online":
            return .init(title: "{creator.displayName} is live on {stream.platform}", description: "{stream.title}")
        case "stream.offline":
            return .init(title: "{creator.displayName} went offline", showsFields: false)
        case "channel.raid":
            return .init(title: "{raid.from} raided {creator.displayName} with {raid.viewers} viewers")
        case "channel.subscribe", "channel.subscription.message":
            return .init(title: "New {sub.tier} subscription for {creator.displayName}", description: "{event.message}")
        case "channel.subscription.gift":
            return .init(title: "{gift.count} gifted subscriptions for {creator.displayName}")
        case "channel.cheer":
            return .init(title: "{cheer.bits} bits cheered for {creator.displayName}", description: "{event.message}")
        default:
            return .init(title: "{creator.displayName}: {event.type}")
        }
    }

    /// The template's fields, named as the API names them.
    var parts: [(field: String, template: NotificationTemplate)] {
        [("content", content), ("title", title), ("description", description)]
    }

    /// Save-time validation for a destination kind: field name → message, empty when valid (the
    /// API answers 422 with these). Refuses unknown placeholders, any text that could exceed the
    /// destination's limits with the longest possible values (so no event can make a message
    /// Discord or Slack rejects), an empty message, too many mentions and a bad colour.
    public func validate(for kind: NotificationKind) -> [String: String] {
        var errors: [String: String] = [:]
        for (field, template) in parts where !template.unknownPlaceholders.isEmpty {
            let names = template.unknownPlaceholders.map { "{\($0)}" }.joined(separator: ", ")
            errors[field] = "unknown placeholder \(names); known: \(NotificationPlaceholder.allTokens)"
        }
        if content.isEmpty && title.isEmpty {
            errors["title"] = errors["title"] ?? "a title or a content text is required"
        }
        if let color, !(0...0xFFFFFF).contains(color) {
            errors["color"] = "the colour must be 0 to 16777215 (0xFFFFFF)"
        }
        func limit(_ field: String, _ template: NotificationTemplate, _ maximum: Int, _ what: String) {
            let longest = template.maximumRenderedLength
            if longest > maximum, errors[field] == nil {
                errors[field] = "can reach \(longest) characters with the longest values; \(what) allows \(maximum)"
            }
        }
        switch kind {
        case .discord:
            limit("content", content, NotificationLimits.discordContent, "Discord's message content")
            limit("title", title, NotificationLimits.discordEmbedTitle, "a Discord embed title")
            limit("description", description, NotificationLimits.discordEmbedDescription, "a Discord embed description")
            let total = title.maximumRenderedLength + description.maximumRenderedLength
                + (showsFields ? NotificationFields.maximumDiscordLength : 0)
            if total > NotificationLimits.discordEmbedTotal, errors["description"] == nil {
                errors["description"] = "the embed can reach \(total) characters with the longest values; Discord allows \(NotificationLimits.discordEmbedTotal) in all"
            }
            let mentions = DiscordAllowedMentions(template: content)
            if mentions.roles.count > NotificationLimits.discordMentionIDs || mentions.users.count > NotificationLimits.discordMentionIDs {
                errors["content"] = errors["content"] ?? "at most \(NotificationLimits.discordMentionIDs) role and \(NotificationLimits.discordMentionIDs) user mentions"
            }
        case .slack:
            for (field, template) in parts {
                limit(field, template, NotificationLimits.slackSectionText, "a Slack section")
            }
            let longest = SlackPayload.maximumSectionLength(self)
            if longest > NotificationLimits.slackSectionText, errors["content"] == nil, errors["title"] == nil, errors["description"] == nil {
                errors["description"] = "the Slack message can reach \(longest) characters with the longest values; Slack allows \(NotificationLimits.slackSectionText) per section"
            }
        case .webhook:
            for (field, template) in parts {
                limit(field, template, NotificationLimits.webhookTemplate, "a webhook template")
            }
        }
        return errors
    }
}
