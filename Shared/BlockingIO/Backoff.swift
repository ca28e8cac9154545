/// Exponential backoff with full jitter, for reconnect loops and retries.
public struct Backoff: Sendable {
    public var initialMilliseconds: Int
    public var maximumMilliseconds: Int
    public private(set) var attempt: Int = 0

    public init(initialMilliseconds: Int = 50, maximumMilliseconds: Int = 5_000) {
        self.initialMilliseconds = initialMilliseconds
        self.maximumMilliseconds = maximumMilliseconds
    }

    /// The delay before the next attempt; every call doubles the ceiling up to the maximum.
    public mutating func nextDelayMilliseconds() -> Int {
        let exponent = min(attempt, 20)
        attempt += 1
        let ceiling = min(maximumMilliseconds, initialMilliseconds << exponent)
        return Int.random(in: (ceiling / 2)...max(ceiling / 2, ceiling))
    }

    public mutating func reset() { attempt = 0 }
}
