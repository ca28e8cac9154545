/// An answer a test queues for the next request to one webhook, Slack hook or receiver, to see
/// how a sender copes with what the real service does now and then.
public enum ForcedResponse: Sendable, Hashable {
    /// 429 with this `retry_after` (Discord: per-webhook scope `user`, or `global`), also
    /// announcing a window: requests before it ends count as hammering.
    case rateLimited(retryAfterSeconds: Double, global: Bool = false)
    /// This status without handling the request (500, 502, 503; 410 at a receiver): nothing is
    /// recorded.
    case status(Int)
    /// The request is handled and recorded as usual, but answered this much later (a sender
    /// that times out first and retries will post twice, as at Discord).
    case delay(seconds: Double)
    /// Not handled and not recorded: the connection is held this long, then answered 504.
    case timeout(seconds: Double)
}
