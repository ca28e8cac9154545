import JSONValue
public import Logging
public import Redis

/// Asks `youtube-subscriptions` to reconcile now (a YouTube channel was added or removed), so the
/// hub starts (or stops) pushing within seconds instead of at the next scheduled run.
///
/// The job reconciles every tracked channel whatever its payload (one listing, one hub request
/// per channel that needs one), so a request carries nothing and a second one while the first
/// is queued costs a short run. Enqueue failures are logged, not thrown: the change is already
/// committed, and the scheduled run repairs it.
public enum YouTubeSubscriptionsRequest {
    public static let queue = JobQueue(name: "youtube-subscriptions")

    public static func enqueue(redis: RedisClient, logger: Logger) async {
        do {
            try await redis.withConnection { connection in _ = try queue.enqueue([:], on: connection) }
        } catch {
            logger.warning("could not request a YouTube subscription reconciliation; the scheduled run will catch up",
                           metadata: ["error": "\(error)"])
        }
    }
}
