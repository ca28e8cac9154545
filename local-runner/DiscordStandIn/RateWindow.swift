/// A fixed-window limit as Discord describes its buckets: the first request opens a window of
/// `windowSeconds`, at most `limit` requests pass in it, and the count starts again when it ends
/// (`X-RateLimit-Reset`).
struct RateWindow: Sendable {
    let limit: Int
    let windowSeconds: Double
    private var openedAt: Double?
    private var used = 0

    init(limit: Int, windowSeconds: Double) {
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    private mutating func roll(now: Double) {
        if let openedAt, now >= openedAt + windowSeconds {
            self.openedAt = nil
            used = 0
        }
    }

    /// Counts one request if the window has room.
    mutating func take(now: Double) -> Bool {
        roll(now: now)
        if openedAt == nil { openedAt = now }
        guard used < limit else { return false }
        used += 1
        return true
    }

    mutating func remaining(now: Double) -> Int {
        roll(now: now)
        return limit - used
    }

    /// When the current window ends (a window not yet open would end `windowSeconds` from now).
    mutating func resetAt(now: Double) -> Double {
        roll(now: now)
        return (openedAt ?? now) + windowSeconds
    }
}
