public import JSONValue

/// The JSON body of Discord's Execute Webhook (`POST /api/v10/webhooks/{id}/{token}?wait=true`):
/// `content`, one embed (title linking to the stream, description, fields, timestamp, colour)
/// and `allowed_mentions` limited to what the template's own content mentions.
public enum DiscordPayload {
    /// Discord asks for `DiscordBot ($url, $versionNumber)`; other agents may be refused by
    /// Cloudflare.
    public static let userAgent = "DiscordBot (https://github.com/creator-control-room, 1.0)"

    public static func body(_ template: NotificationMessageTemplate, context: NotificationContext, username: String? = nil) -> JSONValue {
        let escaping = NotificationTextEscaping.discord
        let content = NotificationLimits.truncate(template.content.render(context, escaping: escaping), to: NotificationLimits.discordContent)
        let title = NotificationLimits.truncate(template.title.render(context, escaping: escaping), to: NotificationLimits.discordEmbedTitle)
        var description = NotificationLimits.truncate(template.description.render(context, escaping: escaping),
                                                      to: NotificationLimits.discordEmbedDescription)
        let fields = template.showsFields ? NotificationFields.fields(context, escaping: escaping).map { field -> JSONValue in
            [
                "name": .string(NotificationLimits.truncate(field.name, to: NotificationLimits.discordFieldName)),
                "value": .string(NotificationLimits.truncate(field.value, to: NotificationLimits.discordFieldValue)),
                "inline": true,
            ]
        } : []
        // Validation keeps a saved template within 6000 in all; this only guards unvalidated ones.
        let fieldsLength = fields.reduce(0) { total, field in
            total + NotificationLimits.length(field["name"]?.stringValue ?? "") + NotificationLimits.length(field["value"]?.stringValue ?? "")
        }
        let room = NotificationLimits.discordEmbedTotal - NotificationLimits.length(title) - fieldsLength
        if NotificationLimits.length(description) > room { description = NotificationLimits.truncate(description, to: max(0, room)) }

        var embed: [String: JSONValue] = ["color": .int(Int64(template.color ?? NotificationMessageTemplate.twitchPurple))]
        if !title.isEmpty { embed["title"] = .string(title) }
        if !description.isEmpty { embed["description"] = .string(description) }
        if !fields.isEmpty { embed["fields"] = .array(fields) }
        if let url = context[.streamURL], isLinkable(url) { embed["url"] = .string(url) }
        if !context.occurredAt.isEmpty { embed["timestamp"] = .string(context.occurredAt) }

        var body: [String: JSONValue] = ["allowed_mentions": DiscordAllowedMentions(template: template.content).json]
        let hasEmbed = !title.isEmpty || !description.isEmpty || !fields.isEmpty
        if hasEmbed { body["embeds"] = [.object(embed)] }
        if !content.isEmpty {
            body["content"] = .string(content)
        } else if !hasEmbed {
            // Discord refuses an empty message; an unvalidated empty template still says what happened.
            body["content"] = .string(escaping.escape(context.eventType))
        }
        if let username, !username.isEmpty { body["username"] = .string(NotificationLimits.truncate(username, to: 80)) }
        return .object(body)
    }

    /// Only an https URL of plain characters goes into the embed's `url`.
    private static func isLinkable(_ url: String) -> Bool {
        url.hasPrefix("https://") && url.utf8.count <= 512 && url.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }
    }
}
