public import Settings
public import URLEncoding

/// How this deployment subscribes to YouTube channels: Google's hub, our public callback, the
/// lease we ask for and the secrets. One callback URL per channel (`<callback URL>/UC…`): WebSub
/// says to identify a subscription by its callback, never by the `Link` headers of a delivery
/// (§7), and the webhook derives the topic's secret from the channel in the path.
public struct YouTubePush: Sendable {
    public static let googleHubURL = "https://pubsubhubbub.appspot.com/subscribe"
    /// 5 days: what community subscribers use with Google's hub. The lease actually granted comes
    /// in the verification request and is what renewal is scheduled from.
    public static let defaultLeaseSeconds = 432_000

    public var hubURL: String
    /// The public URL of the webhook (`https://example.com/webhooks/youtube`), without a query.
    public var callbackURL: String
    public var leaseSeconds: Int
    public var secrets: WebSubSecrets

    public init(hubURL: String = YouTubePush.googleHubURL, callbackURL: String, leaseSeconds: Int = YouTubePush.defaultLeaseSeconds,
                secrets: WebSubSecrets) {
        self.hubURL = hubURL
        self.callbackURL = callbackURL
        self.leaseSeconds = leaseSeconds
        self.secrets = secrets
    }

    /// `YOUTUBE_WEBSUB_CALLBACK_URL` (required), `YOUTUBE_HUB_URL` (default Google's hub; locally the
    /// stand-in), `YOUTUBE_WEBSUB_LEASE_SECONDS` (default 432000) and the secrets of `WebSubSecrets`.
    public static func fromEnvironment(_ environment: Environment) throws -> YouTubePush {
        let callback = try environment.required("YOUTUBE_WEBSUB_CALLBACK_URL")
        guard (callback.hasPrefix("https://") || callback.hasPrefix("http://")) && !callback.contains("?") else {
            throw ConfigurationError("YOUTUBE_WEBSUB_CALLBACK_URL must be an http(s) URL without a query (got \(callback))")
        }
        return YouTubePush(
            hubURL: environment.optional("YOUTUBE_HUB_URL") ?? googleHubURL,
            callbackURL: callback,
            leaseSeconds: try environment.int("YOUTUBE_WEBSUB_LEASE_SECONDS", default: defaultLeaseSeconds, range: 3_600...2_592_000),
            secrets: try WebSubSecrets.fromEnvironment(environment))
    }

    public func callback(channelID: String) -> String {
        var base = callbackURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/" + channelID
    }

    /// The channel a callback request is for: the whole rest of `path` after `basePath` (the
    /// callback URL's own path), if it is a channel id.
    public static func channelID(callbackPath path: String, basePath: String) -> String? {
        let prefix = basePath.hasSuffix("/") ? basePath : basePath + "/"
        guard path.hasPrefix(prefix) else { return nil }
        let id = path.dropFirst(prefix.count)
        return YouTubeIdentifiers.isChannelID(id) ? String(id) : nil
    }

    /// The request that (un)subscribes `channelID`, with its derived secret.
    public func request(_ mode: WebSubMode, channelID: String) -> WebSubSubscriptionRequest {
        let topic = YouTubeTopic.url(channelID: channelID)
        return WebSubSubscriptionRequest(
            mode: mode, topic: topic, callback: callback(channelID: channelID),
            leaseSeconds: mode == .subscribe ? leaseSeconds : nil,
            secret: mode == .subscribe ? secrets.secret(forTopic: topic) : nil)
    }

    /// Checks a delivery for `channelID` against every accepted secret of its topic.
    public func checkSignature(header: String?, body: some Collection<UInt8>, channelID: String) -> WebSubSignatureCheck {
        WebSubSignature.check(header: header, body: body, secrets: secrets.acceptedSecrets(forTopic: YouTubeTopic.url(channelID: channelID)))
    }
}
