import JSONValue
public import Logging
public import Redis

/// Asks `youtube-subscriptions` to reconcile now (a YouTube channel was added or removed), so the
/// hub starts (or stops) pushing within seconds instead of at the next scheduled run.
///
/// The job reconciles every tracked channel whatever its payload (one listing, one hub request
/// per channel that needs one), so a request carries nothing and a second one while the first
/// is queued costs a short run.
public enum YouTubeSubscriptionsRequest {
    public static let queue = JobQueue(name: "youtube-subscriptions")

    public static func enqueue(redis: RedisClient, logger: Logger) async {
        await queue.request([:], redis: redis, logger: logger)
    }
}
