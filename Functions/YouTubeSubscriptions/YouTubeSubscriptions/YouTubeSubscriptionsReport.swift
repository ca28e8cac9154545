/// What one `youtube-subscriptions` run did.
public struct YouTubeSubscriptionsReport: Sendable, Equatable, CustomStringConvertible {
    /// Channels some company tracks.
    public var tracked = 0
    /// Subscribe requests the hub accepted (202, or 204 after a synchronous verification).
    public var subscribed = 0
    /// Unsubscribe requests the hub accepted.
    public var unsubscribed = 0
    /// Requests the hub refused (4xx other than 408/429): recorded in `last_error`.
    public var refused = 0
    /// Requests that failed in a way worth repeating (5xx, 408/429, a redirect, no answer): the next run sends them again.
    public var failed = 0
    /// Denied rows of channels nobody tracks, deleted.
    public var forgotten = 0

    public init() {}

    public var description: String {
        "tracked=\(tracked) subscribed=\(subscribed) unsubscribed=\(unsubscribed) refused=\(refused) failed=\(failed) forgotten=\(forgotten)"
    }
}
