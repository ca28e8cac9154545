import BlockingIO

/// How the stand-in behaves. Rumble documents no rate limit; cocorum warns below one request per
/// 5 s "as defined by Rumble" (unconfirmed), so the limit is off unless a test sets one.
public struct RumbleStandInConfiguration: Sendable {
    /// Requests per key per rolling minute before 429; nil: unlimited.
    public var requestsPerMinute: Int?
    /// `max_num_results` in answers (Rumble's example: 50).
    public var maximumResults: Int
    /// Unix seconds now; tests pass their own.
    public var clock: @Sendable () -> Double

    /// `clock` nil: the wall clock.
    public init(requestsPerMinute: Int? = nil, maximumResults: Int = 50, clock: (@Sendable () -> Double)? = nil) {
        self.requestsPerMinute = requestsPerMinute.map { max(1, $0) }
        self.maximumResults = max(1, maximumResults)
        self.clock = clock ?? { wallClockSeconds() }
    }
}
