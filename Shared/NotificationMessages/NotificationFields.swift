/// The event's values shown as labelled fields (Discord embed fields, Slack section fields),
/// in a fixed order, only those the event has.
enum NotificationFields {
    static let all: [(name: String, placeholder: NotificationPlaceholder)] = [
        ("Category", .streamCategory),
        ("Viewers", .eventViewers),
        ("Raid from", .raidFrom),
        ("Raiders", .raidViewers),
        ("Tier", .subTier),
        ("Gifted", .giftCount),
        ("Bits", .cheerBits),
    ]

    /// (label, escaped value) for each value present in the context.
    static func fields(_ context: NotificationContext, escaping: NotificationTextEscaping) -> [(name: String, value: String)] {
        all.compactMap { field in
            let value = NotificationTemplate.renderValue(field.placeholder, context: context, escaping: escaping)
            return value.isEmpty ? nil : (field.name, value)
        }
    }

    /// The most the fields add to a Discord embed's 6000-character total (names and values).
    static let maximumDiscordLength: Int = all.reduce(0) { total, field in
        total + NotificationLimits.length(field.name) + field.placeholder.maximumLength
    }
}
