public import YouTubeAPI

/// What one `youtube-status` job did.
public struct YouTubeStatusReport: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A push named videos (`YouTubeCheckRequest`).
        case push
        /// The schedule's re-check of live channels and due scheduled broadcasts.
        case recheck
    }

    public let kind: Kind
    /// Video ids asked for through `videos.list`.
    public var videosChecked = 0
    /// `videos.list` calls made (one quota unit each).
    public var apiCalls = 0
    /// Broadcasts that started (a `stream.online` ingested; stored once per tracking company).
    public var wentOnline = 0
    /// Broadcasts that ended or disappeared (a `stream.offline` ingested).
    public var wentOffline = 0
    /// `events` rows stored by this job (0 for a repeat: same message ids).
    public var eventsStored = 0
    /// `creator_channels` rows whose viewers and title were refreshed.
    public var rowsRefreshed = 0
    /// `viewer_samples` rows inserted.
    public var samples = 0
    /// Scheduled broadcasts added to the watch list.
    public var watched = 0
    /// Why nothing (or not everything) was checked: quota level, pacing, nothing to check, untracked.
    public var skipped: String?
    /// The day's quota after the job.
    public var quota: QuotaUsage?

    public init(kind: Kind) { self.kind = kind }

    public var description: String {
        var text = "kind=\(kind.rawValue) videosChecked=\(videosChecked) apiCalls=\(apiCalls) wentOnline=\(wentOnline) wentOffline=\(wentOffline) "
            + "eventsStored=\(eventsStored) rowsRefreshed=\(rowsRefreshed) samples=\(samples) watched=\(watched)"
        if let skipped { text += " skipped=\"\(skipped)\"" }
        if let quota { text += " quotaUsed=\(quota.used)/\(quota.limit) quotaLevel=\(quota.degradation.rawValue)" }
        return text
    }
}
