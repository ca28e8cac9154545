public import RumbleAPI

/// When a Rumble channel row is polled next. Pure, so the schedule is tested without waiting.
///
/// - success: `pollSeconds` later (and the failure count starts over);
/// - a transient failure (5xx, 429, timeout, an unreadable answer): `pollSeconds × 2^failures`,
///   at most `maximumSeconds`;
/// - the server said how long (`Retry-After`): at least that, even past the cap (bounded by a day);
/// - a key Rumble refuses (401/403/404) or one that cannot be opened: `refusedKeySeconds`; the
///   owner has to hand over a new URL, so polling often would only add noise.
public struct RumbleBackoff: Sendable, Equatable {
    public var pollSeconds: Int
    public var maximumSeconds: Int
    public var refusedKeySeconds: Int

    public init(pollSeconds: Int = 60, maximumSeconds: Int = 1_800, refusedKeySeconds: Int = 3_600) {
        self.pollSeconds = max(1, pollSeconds)
        self.maximumSeconds = max(self.pollSeconds, maximumSeconds)
        self.refusedKeySeconds = max(self.pollSeconds, refusedKeySeconds)
    }

    /// A `Retry-After` longer than this is taken as this (a misconfigured proxy must not silence a
    /// channel for weeks).
    static let longestRetryAfterSeconds = 86_400

    /// Seconds until the next poll of a row that has now failed `failures` times in a row (≥ 1).
    public func delay(failures: Int, hint: RumbleError.BackoffHint) -> Int {
        switch hint {
        case .stop:
            return refusedKeySeconds
        case .exponential:
            return exponential(failures)
        case .retryAfter(let seconds):
            return max(exponential(failures), min(seconds, Self.longestRetryAfterSeconds))
        }
    }

    private func exponential(_ failures: Int) -> Int {
        let doublings = min(max(failures, 1), 30)
        let (product, overflow) = pollSeconds.multipliedReportingOverflow(by: 1 << doublings)
        return overflow ? maximumSeconds : min(product, maximumSeconds)
    }
}
