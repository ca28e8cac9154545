public import JSONValue
public import NotificationMessages

extension NotificationKind {
    /// The JSON body a destination of this kind is sent for `context`: the one place that picks
    /// the payload shape, so a preview shows exactly what a delivery sends.
    public func body(_ template: NotificationMessageTemplate, context: NotificationContext) -> JSONValue {
        switch self {
        case .discord: return DiscordPayload.body(template, context: context)
        case .slack: return SlackPayload.body(template, context: context)
        case .webhook: return WebhookPayload.body(template, context: context)
        }
    }
}
