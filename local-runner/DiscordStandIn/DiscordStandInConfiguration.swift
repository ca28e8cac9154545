/// How the stand-in limits traffic. Discord documents no fixed numbers (clients must follow the
/// `X-RateLimit-*` headers), so the defaults are the commonly reported ones: 5 requests per 2 s
/// per webhook and the global 50 per second (per IP for unauthenticated webhook calls). Slack
/// documents about one message per second per incoming webhook. Tests shrink or grow them; the
/// control API changes them while running.
public struct DiscordStandInConfiguration: Sendable, Hashable {
    /// Requests per window of one webhook's bucket.
    public var webhookLimit: Int
    public var webhookWindowSeconds: Double
    /// Requests per window across all webhooks, per client IP.
    public var globalLimit: Int
    public var globalWindowSeconds: Double
    /// Messages per window of one Slack incoming webhook.
    public var slackLimit: Int
    public var slackWindowSeconds: Double
    /// How far `webhook-timestamp` may be from now at a Standard Webhooks receiver (the
    /// reference libraries use 5 minutes).
    public var receiverToleranceSeconds: Int64

    public init(webhookLimit: Int = 5, webhookWindowSeconds: Double = 2, globalLimit: Int = 50, globalWindowSeconds: Double = 1,
                slackLimit: Int = 1, slackWindowSeconds: Double = 1, receiverToleranceSeconds: Int64 = 300) {
        self.webhookLimit = max(1, webhookLimit)
        self.webhookWindowSeconds = max(0.001, webhookWindowSeconds)
        self.globalLimit = max(1, globalLimit)
        self.globalWindowSeconds = max(0.001, globalWindowSeconds)
        self.slackLimit = max(1, slackLimit)
        self.slackWindowSeconds = max(0.001, slackWindowSeconds)
        self.receiverToleranceSeconds = max(0, receiverToleranceSeconds)
    }
}
