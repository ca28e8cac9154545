import JSONValue
public import NotificationMessages
public import NotificationStore
public import SecretSealing

/// Where one destination's messages go, opened from its sealed URL and secret: the URL to POST
/// to, the rate-limit bucket its requests count against, and for signed webhooks the signer.
public struct DeliveryTarget: Sendable {
    public let kind: NotificationKind
    /// A credential (Discord's and Slack's URLs carry the webhook token): never logged.
    let url: SecretText
    public let bucket: RateLimitGate.Bucket
    let signer: StandardWebhookSigner?

    /// Why a destination cannot be sent to as stored (a URL that no longer parses, a missing
    /// signing secret): the destination is disabled with this reason.
    public struct Unusable: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Opens `destination`. Throws `SecretSealingError` when the key ring cannot open what is
    /// sealed (an operator's key problem, retried later), `Unusable` for a stored value that can
    /// never be sent to.
    public static func open(_ destination: NotificationDestination, keys: SealingKeyRing, settings: NotifySettings) throws -> DeliveryTarget {
        let stored = try destination.openURL(with: keys).reveal()
        switch destination.kind {
        case .discord:
            // Stored at the pinned API version; executed with `wait=true` so that Discord answers
            // with the message (or an error) instead of a 204 for a message it may not save.
            guard case .success(let webhook) = DiscordWebhookURL.parse(stored) else {
                throw Unusable(description: "the stored Discord webhook URL does not parse; save the destination again")
            }
            return DeliveryTarget(kind: .discord, url: SecretText(webhook.executeURL),
                                  bucket: .discord(webhookID: webhook.webhookID, requestsPerSecond: settings.discordRequestsPerSecond),
                                  signer: nil)
        case .slack:
            return DeliveryTarget(kind: .slack, url: SecretText(stored),
                                  bucket: .slack(destinationID: destination.id, requestsPerSecond: settings.slackRequestsPerSecond), signer: nil)
        case .webhook:
            guard let secret = try destination.openWebhookSecret(with: keys) else {
                throw Unusable(description: "the destination has no signing secret; rotate it to make one")
            }
            return DeliveryTarget(kind: .webhook, url: SecretText(stored), bucket: .webhook(destinationID: destination.id),
                                  signer: StandardWebhookSigner(secret: secret))
        }
    }

    /// The headers and body of one attempt. `messageID` is the delivery's `webhook-id` (the same
    /// on every attempt); `timestamp` is this attempt's Unix seconds, signed with the body.
    func request(body: JSONValue, messageID: String, timestamp: Int64) -> (headers: [(String, String)], body: [UInt8]) {
        let bytes = Array(JSONWriter.string(body).utf8)
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        switch kind {
        case .discord:
            headers.append(("User-Agent", DiscordPayload.userAgent))
        case .slack, .webhook:
            headers.append(("User-Agent", Self.userAgent))
        }
        if let signer { headers += signer.headers(messageID: messageID, timestamp: timestamp, body: bytes) }
        return (headers, bytes)
    }

    static let userAgent = "CreatorControlRoom-Notify/1.0"
}
