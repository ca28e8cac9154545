/// Twitch's rate limiter: a bucket of `capacity` points refilled continuously over a minute; every
/// Helix request takes one point, an empty bucket answers 429.
struct TokenBucket: Sendable {
    let capacity: Int
    private var points: Double
    private var updatedAt: Double

    init(capacity: Int, now: Double) {
        self.capacity = capacity
        self.points = Double(capacity)
        self.updatedAt = now
    }

    private var refillPerSecond: Double { Double(capacity) / 60 }

    private mutating func refill(now: Double) {
        if now > updatedAt {
            points = min(Double(capacity), points + (now - updatedAt) * refillPerSecond)
            updatedAt = now
        }
    }

    /// Takes one point if there is one.
    mutating func take(now: Double) -> Bool {
        refill(now: now)
        guard points >= 1 else { return false }
        points -= 1
        return true
    }

    /// `Ratelimit-Limit`, `Ratelimit-Remaining` and `Ratelimit-Reset` (Unix seconds when the bucket
    /// is full again).
    mutating func headers(now: Double) -> [(String, String)] {
        refill(now: now)
        let missing = Double(capacity) - points
        let reset = Int64((now + missing / refillPerSecond).rounded(.up))
        return [("Ratelimit-Limit", String(capacity)), ("Ratelimit-Remaining", String(Int(points.rounded(.down)))),
                ("Ratelimit-Reset", String(reset))]
    }
}
