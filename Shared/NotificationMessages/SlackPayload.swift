public import JSONValue

/// The JSON body for a Slack incoming webhook: `text` (the notification fallback) and `blocks`
/// with one mrkdwn section (content, the title in bold linking to the stream, the description)
/// plus the event's values as section fields.
///
/// App webhooks are bound to one channel: `channel`, `username` and `icon_*` are not sent
/// (Slack ignores or refuses them).
public enum SlackPayload {
    public static func body(_ template: NotificationMessageTemplate, context: NotificationContext) -> JSONValue {
        let escaping = NotificationTextEscaping.slack
        let content = template.content.render(context, escaping: escaping)
        let title = template.title.render(context, escaping: escaping)
        let description = template.description.render(context, escaping: escaping)
        var lines: [String] = []
        if !content.isEmpty { lines.append(content) }
        if !title.isEmpty {
            if let url = context[.streamURL], isLinkable(url) {
                lines.append("*<\(escaping.escape(url, limit: NotificationPlaceholder.streamURL.maximumLength))|\(title)>*")
            } else {
                lines.append("*\(title)*")
            }
        }
        if !description.isEmpty { lines.append(description) }
        var section: [String: JSONValue] = [
            "type": "section",
            "text": ["type": "mrkdwn", "text": .string(NotificationLimits.truncate(lines.joined(separator: "\n"), to: NotificationLimits.slackSectionText))],
        ]
        if template.showsFields {
            // Slack allows 10 fields per section; there are at most 7.
            let fields = NotificationFields.fields(context, escaping: escaping).map { field -> JSONValue in
                ["type": "mrkdwn", "text": .string(NotificationLimits.truncate("*\(field.name)*\n\(field.value)", to: NotificationLimits.slackFieldText))]
            }
            if !fields.isEmpty { section["fields"] = .array(fields) }
        }
        var fallback = content.isEmpty ? title : content
        if fallback.isEmpty { fallback = description.isEmpty ? escaping.escape(context.eventType) : description }
        return ["text": .string(NotificationLimits.truncate(fallback, to: NotificationLimits.slackText)), "blocks": [.object(section)]]
    }

    /// The longest section text the template can produce (content, linked title, description
    /// and the line breaks between them).
    static func maximumSectionLength(_ template: NotificationMessageTemplate) -> Int {
        let link = 4 + NotificationPlaceholder.streamURL.maximumLength + 1  // "*<" url "|" … ">*"
        return template.content.maximumRenderedLength + 1 + link + template.title.maximumRenderedLength + 1
            + template.description.maximumRenderedLength
    }

    /// Slack links are `<url|text>`: a URL with `|`, `<`, `>` or spaces would break out of it.
    private static func isLinkable(_ url: String) -> Bool {
        url.hasPrefix("https://") && NotificationLimits.length(url) <= NotificationPlaceholder.streamURL.maximumLength && url.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "|") && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }
    }
}
