/// The request headers Twitch sends with every EventSub webhook delivery (names are
/// case-insensitive on the wire; lookups here are done lower-cased).
public enum EventSubHeader {
    public static let messageID = "twitch-eventsub-message-id"
    public static let messageRetry = "twitch-eventsub-message-retry"
    public static let messageType = "twitch-eventsub-message-type"
    public static let messageSignature = "twitch-eventsub-message-signature"
    public static let messageTimestamp = "twitch-eventsub-message-timestamp"
    public static let subscriptionType = "twitch-eventsub-subscription-type"
    public static let subscriptionVersion = "twitch-eventsub-subscription-version"
}

/// `Twitch-Eventsub-Message-Type`.
public enum EventSubMessageType: String, Sendable {
    case notification
    case webhookCallbackVerification = "webhook_callback_verification"
    case revocation
}
