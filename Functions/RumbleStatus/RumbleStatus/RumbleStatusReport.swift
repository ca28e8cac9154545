/// What one `rumble-status` run did.
public struct RumbleStatusReport: Sendable, Equatable, CustomStringConvertible {
    /// Channel rows that were due (one per company per channel).
    public var due = 0
    /// Live Stream API requests made: one per distinct URL among the due rows.
    public var fetches = 0
    /// Of those, the ones that failed (any `RumbleError`).
    public var failedFetches = 0
    /// Rows whose key Rumble refused (401/403/404): retried slowly until the owner hands over a new URL.
    public var refusedKeys = 0
    /// Rows whose sealed URL could not be opened (missing, or sealed with a key `TOKEN_ENCRYPTION_KEYS` lacks).
    public var unreadableKeys = 0
    /// Rows rescheduled later after a failure (refused and unreadable keys included).
    public var backedOff = 0
    /// Streams that went live / ended for which this run stored an event.
    public var wentOnline = 0
    public var wentOffline = 0
    /// `events` rows stored (one per tracking company and transition).
    public var events = 0
    /// Rows live after this run, their viewers and title refreshed from the poll.
    public var refreshed = 0
    /// `viewer_samples` rows inserted (one per live creator per minute).
    public var samples = 0

    public init() {}

    public var description: String {
        "due=\(due) fetches=\(fetches) failedFetches=\(failedFetches) refusedKeys=\(refusedKeys) unreadableKeys=\(unreadableKeys) "
            + "backedOff=\(backedOff) wentOnline=\(wentOnline) wentOffline=\(wentOffline) events=\(events) refreshed=\(refreshed) samples=\(samples)"
    }
}
