/// What one renewal run did. Counts are per subscription (type + version + condition) unless said
/// otherwise.
public struct RenewalReport: Sendable, Equatable, CustomStringConvertible {
    /// Subscriptions the tracked users call for.
    public var desired = 0
    /// Subscriptions Twitch listed with our callback (in scope).
    public var listed = 0
    /// Missing ones created.
    public var created = 0
    /// Failed ones (`webhook_callback_verification_failed`, `notification_failures_exceeded`,
    /// `version_removed`) deleted and created again.
    public var recreated = 0
    /// Ours that nobody wants any more (or surplus duplicates), deleted.
    public var deleted = 0
    /// `enabled` or `webhook_callback_verification_pending`, left as they are.
    public var kept = 0
    /// Not created (or not recreated) because `max_total_cost` would have been exceeded.
    public var skippedForCost = 0
    /// Revoked for a reason only the creator can fix (`authorization_revoked`, `user_removed`,
    /// `moderator_removed`, `chat_user_banned`): left alone, not recreated in a loop.
    public var needsReauthorization = 0
    /// Create answered 409: the subscription exists already (treated as present).
    public var alreadyExisted = 0
    /// In a status this job does not know: left alone and logged.
    public var leftAlone = 0
    /// Creates or deletes Twitch refused for that subscription alone (400, 403, a per-condition
    /// 429 cap): logged, the run goes on.
    public var failed = 0
    /// POST and DELETE requests sent to Helix (a run that changes nothing sends none).
    public var writeCalls = 0
    /// Times the run waited for the rate-limit bucket to refill.
    public var rateLimitWaits = 0

    public init() {}

    public var description: String {
        "desired=\(desired) listed=\(listed) created=\(created) recreated=\(recreated) deleted=\(deleted) kept=\(kept) "
            + "skippedForCost=\(skippedForCost) needsReauthorization=\(needsReauthorization) alreadyExisted=\(alreadyExisted) "
            + "leftAlone=\(leftAlone) failed=\(failed) writeCalls=\(writeCalls) rateLimitWaits=\(rateLimitWaits)"
    }
}

/// A wait for the Helix rate-limit bucket, handed to the renewer's `sleep` hook.
public struct RateLimitWait: Sendable, Equatable {
    /// `Ratelimit-Reset` of the 429 (Unix seconds at which the bucket is full again), if Twitch sent it.
    public let resetAt: Int64?
    /// How long to wait: until `resetAt`, bounded by the renewer's maximum wait.
    public let seconds: Double

    public init(resetAt: Int64?, seconds: Double) {
        self.resetAt = resetAt
        self.seconds = seconds
    }
}
