/// Where a notification goes; decides the escaping, the payload shape, the limits and how a
/// response is read.
public enum NotificationKind: String, Sendable, Hashable, CaseIterable {
    /// A Discord webhook (execute webhook: content, one embed, `allowed_mentions`).
    case discord
    /// A Slack incoming webhook (`text` fallback and a section block).
    case slack
    /// Any HTTPS endpoint: a Standard Webhooks JSON payload, signed.
    case webhook

    /// How Twitch-controlled values are escaped for this kind.
    public var escaping: NotificationTextEscaping {
        switch self {
        case .discord: return .discord
        case .slack: return .slack
        case .webhook: return .none
        }
    }

    /// The name used in delivery-log reasons.
    var displayName: String {
        switch self {
        case .discord: return "Discord"
        case .slack: return "Slack"
        case .webhook: return "the endpoint"
        }
    }
}
