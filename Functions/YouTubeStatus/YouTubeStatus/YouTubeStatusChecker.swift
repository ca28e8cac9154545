public import BlockingIO
import EventSub
public import Ingest
public import JobQueue
public import JSONValue
public import Logging
public import Postgres
public import Redis
import WebSub
public import YouTubeAPI

/// Decides what is live on YouTube from the Data API (`videos.list`, one unit per 50 ids; never
/// `search.list`) and hands the changes to ingest, which stores them once per tracking company,
/// applies them to `creator_channels` and publishes them to the rooms.
///
/// - `check`: a push named some videos (the webhook's job). A live one of a tracked channel is a
///   `stream.online`; one a channel row is live with that has ended or disappeared (deleted,
///   made private) is a `stream.offline`; a scheduled one is watched (`UpcomingBroadcasts`).
/// - `recheck`: the schedule's run. Every live channel's broadcast, and the scheduled broadcasts
///   that are due, in batches of 50: viewers and title refreshed on the rows (plus a viewer sample
///   per minute), ended ones `stream.offline`, started scheduled ones `stream.online`.
///
/// Quota: the day's budget is counted in Redis before each call (`QuotaBudget`). Re-checks
/// stretch as it runs low (`RecheckPacing`) and stop in the last 5 %, which is kept for push
/// checks; once it is spent (locally, or Google answered `quotaExceeded`, which marks the day
/// spent) every check stops until the Pacific-midnight reset, logged with the reset time.
public struct YouTubeStatusChecker: Sendable {
    public struct Options: Sendable {
        /// The schedule's interval (jobs.json): the re-check cadence while the quota is plentiful.
        public var recheckIntervalSeconds: Double
        /// How long after its scheduled start a broadcast that has not started is still watched.
        public var upcomingWatchSeconds: Double
        /// Redis key prefix of the pacing, the quota snapshot and the watch list (tests: their own).
        public var keyPrefix: String
        /// Restricts every database read to these channels (tests sharing a database). nil: all.
        public var onlyChannelIDs: Set<String>?

        public init(recheckIntervalSeconds: Double = 60, upcomingWatchSeconds: Double = 3 * 3_600, keyPrefix: String = "youtube:status:",
                    onlyChannelIDs: Set<String>? = nil) {
            self.recheckIntervalSeconds = recheckIntervalSeconds
            self.upcomingWatchSeconds = upcomingWatchSeconds
            self.keyPrefix = keyPrefix
            self.onlyChannelIDs = onlyChannelIDs
        }
    }

    public let client: YouTubeClient
    public let pool: PostgresPool
    public let redis: RedisClient
    public let ingestor: EventIngestor
    public let options: Options
    let logger: Logger
    let now: @Sendable () -> Double
    /// Closes what `fromEnvironment` opened (nothing for a checker built with `init`).
    var closeResources: @Sendable () async -> Void = {}

    /// `pool` connects as the app role; `ingestor` stores and publishes (it may share `pool`);
    /// `now` is Unix seconds (tests pass the clock their `QuotaBudget` reads).
    public init(client: YouTubeClient, pool: PostgresPool, redis: RedisClient, ingestor: EventIngestor, logger: Logger,
                options: Options = Options(), now: @escaping @Sendable () -> Double = wallClockSeconds) {
        self.client = client
        self.pool = pool
        self.redis = redis
        self.ingestor = ingestor
        self.logger = logger
        self.options = options
        self.now = now
    }

    public func shutdown() async {
        await closeResources()
    }

    var rows: YouTubeChannelRows { YouTubeChannelRows(pool: pool) }
    var pacing: RecheckPacing { RecheckPacing(redis: redis, baseIntervalSeconds: options.recheckIntervalSeconds, keyPrefix: options.keyPrefix) }
    var upcoming: UpcomingBroadcasts { UpcomingBroadcasts(redis: redis, key: options.keyPrefix + "upcoming", watchSeconds: options.upcomingWatchSeconds) }

    /// The quota snapshot the last job wrote (`QuotaSnapshot.json`), nil before any.
    public func publishedQuota() async throws -> JSONValue? {
        try await redis.send(["GET", pacing.snapshotKey]).string.flatMap { try? JSONParser.parse($0) }
    }

    // MARK: - A push

    public func check(_ request: YouTubeCheckRequest.Check) async throws -> YouTubeStatusReport {
        var report = YouTubeStatusReport(kind: .push)
        let channelID = request.channelID
        let ids = request.videoIDs.filter { YouTubeIdentifiers.isVideoID($0) }
        guard YouTubeIdentifiers.isChannelID(channelID), !ids.isEmpty else {
            // Retrying cannot make it readable; the webhook only sends checked ids.
            logger.error("youtube check without a valid channel or video id; dropped", metadata: ["channelId": "\(channelID.prefix(64))"])
            report.skipped = "invalid request"
            return report
        }
        let inScope = options.onlyChannelIDs?.contains(channelID) ?? true
        let trackers = inScope ? try await rows.rows(channelIDs: [channelID]) : []
        guard !trackers.isEmpty else {
            // Nobody tracks it (any more): not worth a unit. `youtube-subscriptions` unsubscribes.
            report.skipped = "channel not tracked"
            logger.info("youtube push for an untracked channel", metadata: ["channelId": "\(channelID)"])
            return report
        }
        let usage = try await quotaUsage()
        guard usage.degradation.allowsGoLiveChecks else {
            report.skipped = "quota spent until \(resetText(usage))"
            logger.warning("youtube quota spent: push check skipped until the reset", metadata: [
                "channelId": "\(channelID)", "videoIds": "\(ids)", "resetsAt": "\(resetText(usage))"])
            report.quota = await pacing.publish(usage, now: now()).usage
            return report
        }

        let fetched = try await fetch(ids, report: &report)
        let observedAt = now()
        let identity = Self.identity(of: trackers)
        var notifications: [NormalizedNotification] = []
        var scheduled: [YouTubeVideo] = []
        for id in ids where fetched.checked.contains(id) {
            // The Data API is the truth about whose video it is: another channel's is not this push's to act on.
            let video = fetched.videos[id].flatMap { $0.channelID == channelID ? $0 : nil }
            if let video, video.isLive {
                notifications.append(YouTubeLiveEvents.online(video, channel: identity, observedAt: observedAt, source: "webhook"))
            } else if trackers.contains(where: { $0.live && $0.liveStreamID == id }) {
                notifications.append(YouTubeLiveEvents.offline(streamID: id, video: video, channel: identity, observedAt: observedAt, source: "webhook"))
            } else if let video, video.broadcastContent == .upcoming, video.scheduledStartTime != nil {
                scheduled.append(video)
            }
        }
        if !scheduled.isEmpty {
            try await upcoming.watch(scheduled)
            report.watched = scheduled.count
        }
        try await ingest(notifications, report: &report)
        if report.eventsStored > 0, request.receivedAt > 0 {
            logger.info("youtube live change stored", metadata: [
                "channelId": "\(channelID)", "events": "\(report.eventsStored)",
                "pushToStoredMilliseconds": "\(Int(((now() - request.receivedAt) * 1000).rounded()))"])
        }
        report.quota = await publishQuota()
        return report
    }

    // MARK: - The scheduled re-check

    public func recheck() async throws -> YouTubeStatusReport {
        var report = YouTubeStatusReport(kind: .recheck)
        let time = now()
        let usage = try await quotaUsage()
        let interval: Double
        switch try await pacing.decide(usage: usage, now: time) {
        case .run(let seconds):
            interval = seconds
        case .paused(let level):
            report.skipped = "quota level \(level.rawValue)"
            logger.notice("youtube re-checks paused to save quota", metadata: [
                "level": "\(level.rawValue)", "remaining": "\(usage.remaining)", "limit": "\(usage.limit)",
                "resetsAt": "\(resetText(usage))"])
            report.quota = await pacing.publish(usage, now: time).usage
            return report
        case .notDue(let seconds, let nextAt):
            report.skipped = "not due (every \(Int(seconds)) s at quota level \(usage.degradation.rawValue))"
            logger.debug("youtube re-check not due", metadata: ["nextAt": "\(RFC3339.format(unixSeconds: nextAt))"])
            report.quota = await pacing.publish(usage, now: time).usage
            return report
        }

        // Live channels, by broadcast: every tracking company's row of it.
        var streams: [String: [YouTubeChannelRow]] = [:]
        for row in try await rows.rows(channelIDs: options.onlyChannelIDs.map { Array($0) }) where row.live {
            guard let stream = row.liveStreamID, YouTubeIdentifiers.isVideoID(stream) else { continue }
            streams[stream, default: []].append(row)
        }
        let due = try await upcoming.due(now: time, lookAhead: interval).filter { streams[$0] == nil }
        let ids = streams.keys.sorted() + due
        guard !ids.isEmpty else {
            report.skipped = "nothing live or due"
            report.quota = await pacing.publish(usage, now: time).usage
            return report
        }
        try await pacing.markRecheck(at: time)
        let fetched = try await fetch(ids, report: &report)
        let observedAt = now()

        var notifications: [NormalizedNotification] = []
        var refreshes: [String: [YouTubeChannelRows.Refresh]] = [:]
        for (stream, trackers) in streams.sorted(by: { $0.key < $1.key }) where fetched.checked.contains(stream) {
            let channelID = trackers[0].channelID
            if let video = fetched.videos[stream], video.channelID == channelID, video.isLive {
                for row in trackers {
                    refreshes[row.companyID, default: []].append(.init(
                        creatorID: row.creatorID, channelID: channelID, streamID: stream, title: video.title, viewers: video.concurrentViewers ?? 0))
                }
            } else {
                notifications.append(YouTubeLiveEvents.offline(streamID: stream, video: fetched.videos[stream], channel: Self.identity(of: trackers),
                                                               observedAt: observedAt, source: "poll"))
            }
        }

        // Scheduled broadcasts: the started ones go online for whoever tracks their channel.
        var finished: [String] = []
        var stillScheduled: [YouTubeVideo] = []
        var started: [YouTubeVideo] = []
        for id in due where fetched.checked.contains(id) {
            guard let video = fetched.videos[id] else {
                finished.append(id)
                continue
            }
            if video.isLive {
                started.append(video)
                finished.append(id)
            } else if video.broadcastContent == .upcoming, video.scheduledStartTime != nil {
                stillScheduled.append(video)
            } else {
                finished.append(id)
            }
        }
        if !started.isEmpty {
            let channels = Array(Set(started.map(\.channelID))).filter { options.onlyChannelIDs?.contains($0) ?? true }
            let trackers = channels.isEmpty ? [] : try await rows.rows(channelIDs: channels)
            for video in started {
                let tracking = trackers.filter { $0.channelID == video.channelID }
                guard !tracking.isEmpty else { continue }
                notifications.append(YouTubeLiveEvents.online(video, channel: Self.identity(of: tracking), observedAt: observedAt, source: "poll"))
            }
        }
        try await upcoming.forget(finished)
        // A rescheduled broadcast keeps being watched from its new time.
        try await upcoming.watch(stillScheduled)

        try await ingest(notifications, report: &report)
        for (company, records) in refreshes.sorted(by: { $0.key < $1.key }) {
            let (updated, sampled) = try await rows.refresh(company: company, records)
            report.rowsRefreshed += updated
            report.samples += sampled
        }
        report.quota = await publishQuota()
        return report
    }

    // MARK: - Shared steps

    private func quotaUsage() async throws(YouTubeAPIError) -> QuotaUsage {
        try await client.quota.usage()
    }

    /// After the calls: best effort, the changes are stored already.
    private func publishQuota() async -> QuotaUsage? {
        guard let usage = try? await quotaUsage() else { return nil }
        return await pacing.publish(usage, now: now()).usage
    }

    private func resetText(_ usage: QuotaUsage?) -> String {
        RFC3339.format(unixSeconds: Double(usage?.resetsAt ?? PacificDay.nextReset(after: now())))
    }

    /// What `videos.list` said, and which ids it was asked about (an id absent from `videos`
    /// but in `checked` is deleted or private; one not in `checked` was not asked about).
    struct Fetched {
        var videos: [String: YouTubeVideo] = [:]
        var checked: Set<String> = []
    }

    /// `videos.list` in batches of 50. Once the quota is spent (our budget or Google's
    /// `quotaExceeded`), the rest is left unchecked and the stop logged; other failures throw
    /// (the queue retries the job with backoff).
    private func fetch(_ ids: [String], report: inout YouTubeStatusReport) async throws(YouTubeAPIError) -> Fetched {
        var fetched = Fetched()
        var start = 0
        while start < ids.count {
            let batch = Array(ids[start..<min(start + YouTubeClient.maximumVideosPerCall, ids.count)])
            start += YouTubeClient.maximumVideosPerCall
            do {
                let videos = try await client.videos(ids: batch)
                report.apiCalls += 1
                report.videosChecked += batch.count
                fetched.checked.formUnion(batch)
                for video in videos { fetched.videos[video.id] = video }
            } catch .budgetExhausted(let used, let limit, let day) {
                logger.warning("youtube quota budget spent: checks stop until the quota resets", metadata: [
                    "day": "\(day)", "used": "\(used)", "limit": "\(limit)", "resetsAt": "\(resetText(nil))",
                    "unchecked": "\(ids.count - fetched.checked.count)"])
                report.skipped = "quota budget spent"
                return fetched
            } catch .quotaExceeded(let message) {
                report.apiCalls += 1
                logger.error("youtube answered quotaExceeded: every youtube check stops until the quota resets at Pacific midnight", metadata: [
                    "message": "\(message)", "resetsAt": "\(resetText(nil))", "unchecked": "\(ids.count - fetched.checked.count)"])
                report.skipped = "quotaExceeded from youtube"
                return fetched
            }
        }
        return fetched
    }

    /// Ingests every change concurrently (ingest batches them); counts what was stored.
    private func ingest(_ notifications: [NormalizedNotification], report: inout YouTubeStatusReport) async throws {
        guard !notifications.isEmpty else { return }
        let ingestor = self.ingestor
        let outcomes = try await withThrowingTaskGroup(of: (String, Int).self) { group in
            for notification in notifications {
                group.addTask { (notification.subscriptionType, try await ingestor.ingest(notification).stored.count) }
            }
            var results: [(String, Int)] = []
            for try await result in group { results.append(result) }
            return results
        }
        for (type, stored) in outcomes {
            report.eventsStored += stored
            if type == "stream.online" { report.wentOnline += 1 } else { report.wentOffline += 1 }
        }
        for notification in notifications {
            logger.notice("youtube live change", metadata: [
                "channelId": "\(notification.broadcaster?.id ?? "")", "type": "\(notification.subscriptionType)",
                "messageId": "\(notification.messageID)", "source": "\(notification.source)"])
        }
    }

    /// The channel as the first tracking row names it.
    static func identity(of rows: [YouTubeChannelRow]) -> YouTubeChannelIdentity {
        YouTubeChannelIdentity(channelID: rows[0].channelID, handle: rows.first { $0.handle != nil }?.handle, displayName: rows[0].displayName)
    }

}
