public import JSONValue

/// What one webhook (or Slack hook, or receiver) has seen, for tests and benchmarks.
public struct TrafficCounters: Sendable, Hashable {
    /// Every request to it.
    public var requests = 0
    /// Messages recorded (Discord, Slack) or deliveries accepted (receivers).
    public var accepted = 0
    /// 429s answered, for whatever reason (bucket, global limit, forced, hammering).
    public var rateLimited = 0
    /// Requests that arrived inside a window a 429 had announced (`retry_after` not yet over):
    /// a sender that retried too early. A polite sender keeps this at 0. A request already in
    /// flight when the 429 was answered counts too: senders should serialize per bucket.
    public var hammering = 0
    /// Forced answers other than 429 (5xx, 410, timeouts) served.
    public var forcedFailures = 0
    /// Receivers: accepted deliveries whose `webhook-id` had been accepted before.
    public var duplicates = 0

    public init() {}

    mutating func add(_ other: TrafficCounters) {
        requests += other.requests
        accepted += other.accepted
        rateLimited += other.rateLimited
        hammering += other.hammering
        forcedFailures += other.forcedFailures
        duplicates += other.duplicates
    }

    public var json: JSONValue {
        ["requests": .int(Int64(requests)), "accepted": .int(Int64(accepted)), "rate_limited": .int(Int64(rateLimited)),
         "hammering": .int(Int64(hammering)), "forced_failures": .int(Int64(forcedFailures)), "duplicates": .int(Int64(duplicates))]
    }
}
