/// The `Ratelimit-*` headers of the last Helix response: Twitch's token bucket per client id.
public struct HelixRateLimit: Sendable, Equatable {
    /// Bucket size in points (800 per minute for most apps; read it, it is not documented as fixed).
    public let limit: Int
    /// Points left in the bucket.
    public let remaining: Int
    /// Unix seconds at which the bucket is full again.
    public let resetAt: Int64

    public init(limit: Int, remaining: Int, resetAt: Int64) {
        self.limit = limit
        self.remaining = remaining
        self.resetAt = resetAt
    }
}
