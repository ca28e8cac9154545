/// The values a notification template may use, written `{name}` in a template.
///
/// Each has a longest length: a value is cut (with "…") so that even after escaping for the
/// destination it is no longer, which is what lets `NotificationMessageTemplate.validate`
/// promise at save time that no event can produce a message over the destination's limits.
/// Lengths are in UTF-16 code units (see `NotificationLimits.length`).
///
/// | placeholder | value | longest |
/// | --- | --- | --- |
/// | `{creator.displayName}` | the creator's Twitch display name | 50 |
/// | `{creator.login}` | the creator's Twitch login | 25 |
/// | `{stream.title}` | the stream title (Twitch allows 140) | 140 |
/// | `{stream.category}` | the category (game) name | 150 |
/// | `{stream.url}` | `https://www.twitch.tv/{login}`, or the YouTube/Rumble stream's page | 120 |
/// | `{stream.platform}` | `Twitch`, `YouTube` or `Rumble` | 16 |
/// | `{event.type}` | the EventSub type, e.g. `stream.online` | 64 |
/// | `{event.viewers}` | viewers when the event happened (digits) | 12 |
/// | `{event.message}` | the chat text a viewer attached (cheer or resub message) | 500 |
/// | `{raid.from}` | the raiding broadcaster's display name | 50 |
/// | `{raid.viewers}` | raiders (digits) | 12 |
/// | `{sub.tier}` | `Tier 1`, `Tier 2`, `Tier 3` or `Prime` | 16 |
/// | `{gift.count}` | subscriptions gifted (digits) | 12 |
/// | `{cheer.bits}` | bits cheered (digits) | 12 |
public enum NotificationPlaceholder: String, Sendable, Hashable, CaseIterable {
    case creatorDisplayName = "creator.displayName"
    case creatorLogin = "creator.login"
    case streamTitle = "stream.title"
    case streamCategory = "stream.category"
    case streamURL = "stream.url"
    case streamPlatform = "stream.platform"
    case eventType = "event.type"
    case eventViewers = "event.viewers"
    case eventMessage = "event.message"
    case raidFrom = "raid.from"
    case raidViewers = "raid.viewers"
    case subTier = "sub.tier"
    case giftCount = "gift.count"
    case cheerBits = "cheer.bits"

    /// How a value is made safe for a destination.
    public enum Format: Sendable, Hashable {
        /// Free text from Twitch: escaped for the destination.
        case text
        /// Digits only; anything else in the value is dropped.
        case number
        /// An `https://` URL we build ourselves: left as is (so it links) when made only of
        /// URL-safe characters without markup meaning, else escaped like text.
        case url
    }

    public var format: Format {
        switch self {
        case .eventViewers, .raidViewers, .giftCount, .cheerBits: return .number
        case .streamURL: return .url
        default: return .text
        }
    }

    /// The longest value rendered (longer ones are cut), before escaping.
    public var maximumLength: Int {
        switch self {
        case .creatorDisplayName, .raidFrom: return 50
        case .creatorLogin: return 25
        case .streamTitle: return 140
        case .streamCategory: return 150
        case .streamURL: return 120
        case .streamPlatform: return 16
        case .eventType: return 64
        case .eventMessage: return 500
        case .eventViewers, .raidViewers, .giftCount, .cheerBits: return 12
        case .subTier: return 16
        }
    }

    /// The placeholder as written in a template.
    public var token: String { "{\(rawValue)}" }

    /// Every placeholder as written, for error messages and the API's documentation.
    public static var allTokens: String { allCases.map(\.token).joined(separator: ", ") }
}
