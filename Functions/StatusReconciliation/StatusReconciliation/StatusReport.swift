/// What one status reconciliation run did.
public struct StatusReport: Sendable, Equatable, CustomStringConvertible {
    /// Tracked Twitch users polled through `GET /streams`.
    public var polled = 0
    /// Of those, live according to the poll.
    public var live = 0
    /// Users for whom a synthetic `stream.online` (source `poll`) was stored by this run.
    public var wentOnline = 0
    /// Users for whom a synthetic `stream.offline` (source `poll`) was stored by this run.
    public var wentOffline = 0
    /// `viewer_samples` rows inserted (one per live creator per company per minute).
    public var samples = 0
    /// `events` rows stored for synthetic events (one per tracking company).
    public var syntheticEvents = 0
    /// `creator_status` rows whose title, category and viewers were refreshed from the poll.
    public var statusesUpdated = 0
    /// Users whose poll contradicted a live change newer than the grace period (Helix lags behind
    /// EventSub): nothing emitted for them this time.
    public var deferred = 0

    public init() {}

    public var description: String {
        "polled=\(polled) live=\(live) wentOnline=\(wentOnline) wentOffline=\(wentOffline) samples=\(samples) "
            + "syntheticEvents=\(syntheticEvents) statusesUpdated=\(statusesUpdated) deferred=\(deferred)"
    }
}
