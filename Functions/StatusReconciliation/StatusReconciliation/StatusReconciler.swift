import BlockingIO
import EventSub
public import Ingest
import JSONValue
public import Logging
public import Postgres
public import TwitchAPI

/// Live-status reconciliation (every minute): polls Helix `GET /streams` for every tracked Twitch
/// user, 100 per request, and per company that tracks each user (in that company's tenant scope):
/// - refreshes `creator_status` of live creators (title, category, viewers; `live` and
///   `started_at` come from stream.online / stream.offline, real or synthetic);
/// - records one `viewer_samples` row per live creator per minute (`sampled_at` = now truncated to
///   the minute; a second run in the same minute adds nothing);
/// - when the poll contradicts `creator_status` in a way no webhook explained (a missed
///   stream.online or stream.offline), stores and publishes a synthetic event with source `poll`
///   through the `EventIngestor`, which stores it once per tracking company and applies it to
///   `creator_status` with its usual event-time guard.
///
/// Ordering: synthetic events are ingested first (their status effect resets `viewer_count`), and
/// only then are the poll's details written, and only onto a row that is live with the polled
/// stream's `started_at`; so neither step can roll back what the other or a webhook set.
///
/// Idempotence: synthetic message ids are deterministic — `poll:<user>:online:<started_at>` (with
/// `:after:<live_changed_at>` when it follows a newer offline), `poll:<user>:offline:<live_changed_at
/// of the live period that ended>` — so a re-run, or two reconcilers at once, store each once
/// (the ingestor's unique key per company and message id).
///
/// Helix' stream list lags behind EventSub (a stream that just started may be absent, one that
/// just ended may linger). A poll that contradicts a live change younger than `graceSeconds` is
/// not acted on yet (`StatusReport.deferred`).
public struct StatusReconciler: Sendable {
    /// Waits `seconds` (rate-limit backoff). Tests pass a short one.
    public typealias Sleep = @Sendable (_ seconds: Double) async throws -> Void

    public struct Options: Sendable {
        /// How long after a live change a contradicting poll is not trusted (Helix caching).
        public var graceSeconds: Double
        /// Users per `GET /streams` request (Twitch's maximum is 100).
        public var batchSize: Int
        /// Upper bound of one wait after a 429 (the run waits at most twice per batch, then fails).
        public var maximumRateLimitWaitSeconds: Double
        /// Restricts the run to these Twitch users (sharding; tests sharing a database). nil: all.
        public var onlyTwitchUserIDs: Set<String>?

        public init(graceSeconds: Double = 120, batchSize: Int = 100, maximumRateLimitWaitSeconds: Double = 10,
                    onlyTwitchUserIDs: Set<String>? = nil) {
            self.graceSeconds = graceSeconds
            self.batchSize = min(max(batchSize, 1), HelixClient.maximumItemsPerRequest)
            self.maximumRateLimitWaitSeconds = maximumRateLimitWaitSeconds
            self.onlyTwitchUserIDs = onlyTwitchUserIDs
        }
    }

    public let helix: HelixClient
    public let pool: PostgresPool
    public let ingestor: EventIngestor
    public let options: Options
    let logger: Logger
    let sleep: Sleep
    /// Closes what `fromEnvironment` opened (nothing for a reconciler built with `init`).
    var closeResources: @Sendable () async -> Void = {}

    /// `pool` connects as the app role; `ingestor` stores and publishes the synthetic events (it
    /// may share `pool`).
    public init(helix: HelixClient, pool: PostgresPool, ingestor: EventIngestor, logger: Logger, options: Options = Options(),
                sleep: @escaping Sleep = StatusReconciler.sleepSeconds) {
        self.helix = helix
        self.pool = pool
        self.ingestor = ingestor
        self.logger = logger
        self.options = options
        self.sleep = sleep
    }

    /// Closes the pool and Redis client that `fromEnvironment` opened; a reconciler built with
    /// `init` leaves its caller's pool alone.
    public func shutdown() async {
        await closeResources()
    }

    public static let sleepSeconds: Sleep = { seconds in
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }

    /// One reconciliation pass over every tracked user.
    public func run() async throws -> StatusReport {
        let started = monotonicNanoseconds()
        let users = try await trackedUserIDs()
        var report = StatusReport()
        var start = 0
        while start < users.count {
            let batch = Array(users[start..<min(start + options.batchSize, users.count)])
            start += options.batchSize
            try await reconcile(batch, report: &report)
        }
        logger.info("status reconciliation done", metadata: [
            "report": "\(report)", "milliseconds": "\((monotonicNanoseconds() - started) / 1_000_000)",
        ])
        return report
    }

    // MARK: One batch

    private func reconcile(_ userIDs: [String], report: inout StatusReport) async throws {
        let polledAt = wallClockSeconds()
        let streams = try await poll(userIDs)
        var liveStreams: [String: HelixStream] = [:]
        var uncertain: Set<String> = []
        for stream in streams {
            // `type` is "" when Twitch had an error for this stream: neither live nor offline then.
            if stream.type == "live" { liveStreams[stream.userID] = stream } else { uncertain.insert(stream.userID) }
        }
        report.polled += userIDs.count
        report.live += liveStreams.count

        let trackers = try await trackers(of: userIDs)
        var creatorsByCompany: [String: [String]] = [:]
        var trackersByUser: [String: [Tracker]] = [:]
        var userByCreator: [String: String] = [:]
        for tracker in trackers {
            userByCreator[tracker.creatorID] = tracker.twitchUserID
            creatorsByCompany[tracker.companyID, default: []].append(tracker.creatorID)
            trackersByUser[tracker.twitchUserID, default: []].append(tracker)
        }
        var statuses: [String: CreatorStatus] = [:]
        for (company, creators) in creatorsByCompany.sorted(by: { $0.key < $1.key }) {
            statuses.merge(try await readStatuses(company: company, creators: creators)) { _, new in new }
        }

        var synthetic: [(notification: NormalizedNotification, online: Bool)] = []
        for userID in userIDs where !uncertain.contains(userID) {
            guard let tracking = trackersByUser[userID], !tracking.isEmpty else { continue }
            let current = tracking.map { statuses[$0.creatorID] ?? CreatorStatus.absent }
            let decision: Decision
            if let stream = liveStreams[userID] {
                decision = decideOnline(userID: userID, stream: stream, statuses: current, polledAt: polledAt)
            } else {
                decision = decideOffline(userID: userID, statuses: current, polledAt: polledAt)
            }
            switch decision {
            case .none: break
            case .deferred: report.deferred += 1
            case .emit(let notification, let online): synthetic.append((notification, online))
            }
        }

        // Synthetic events first: their status effect resets viewers, which the details below set.
        let ingestor = self.ingestor
        let stored = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for (notification, online) in synthetic {
                group.addTask { (try await ingestor.ingest(notification).stored.count, online) }
            }
            var results: [(Int, Bool)] = []
            for try await result in group { results.append(result) }
            return results
        }
        for (count, online) in stored where count > 0 {
            report.syntheticEvents += count
            if online { report.wentOnline += 1 } else { report.wentOffline += 1 }
        }
        for (notification, online) in synthetic {
            logger.notice("poll saw a live change no webhook reported", metadata: [
                "twitchUserId": "\(notification.broadcaster?.id ?? "")", "type": "\(online ? "stream.online" : "stream.offline")",
                "messageId": "\(notification.messageID)",
            ])
        }

        // Details and samples per company, in its tenant scope.
        let infoTrustedBefore = polledAt - options.graceSeconds
        for (company, creators) in creatorsByCompany.sorted(by: { $0.key < $1.key }) {
            var records: [JSONValue] = []
            for creator in creators {
                guard let userID = userByCreator[creator], let stream = liveStreams[userID] else { continue }
                records.append([
                    "creator_id": .string(creator), "stream_id": .string(stream.id), "title": .string(stream.title),
                    "category_id": .string(stream.gameID), "category_name": .string(stream.gameName),
                    "viewers": .int(Int64(max(0, stream.viewerCount))), "started_at": .string(stream.startedAt),
                ])
            }
            guard !records.isEmpty else { continue }
            let (updated, sampled) = try await writeDetails(company: company, records: records, infoTrustedBefore: infoTrustedBefore)
            report.statusesUpdated += updated
            report.samples += sampled
        }
    }

    // MARK: Decisions

    enum Decision {
        case none
        case deferred
        case emit(NormalizedNotification, online: Bool)
    }

    /// The poll says live with `stream`. A company needs a synthetic online unless its row is live
    /// with this stream's start; but a row that went offline after this stream started, recently,
    /// means Helix still lists a stream that ended: wait.
    func decideOnline(userID: String, stream: HelixStream, statuses: [CreatorStatus], polledAt: Double) -> Decision {
        guard let startedAt = RFC3339.unixSeconds(stream.startedAt) else {
            logger.warning("stream without a readable started_at", metadata: ["twitchUserId": "\(userID)", "startedAt": "\(stream.startedAt)"])
            return .none
        }
        var needing: [CreatorStatus] = []
        var deferred = false
        for status in statuses {
            if status.live, let known = status.startedAt, abs(known - startedAt) < 0.000_5 { continue }
            if let changed = status.liveChangedAt, changed >= startedAt {
                if polledAt - changed >= options.graceSeconds { needing.append(status) } else { deferred = true }
            } else {
                needing.append(status)
            }
        }
        guard !needing.isEmpty else { return deferred ? .deferred : .none }
        let startedText = RFC3339.format(unixSeconds: startedAt)
        var messageID = "poll:\(userID):online:\(startedText)"
        var occurredAt = startedAt
        // After a newer offline the event happens "now" (the poll), so the status guard takes it,
        // and its id differs from an online for the same stream before that offline.
        if let latest = needing.compactMap(\.liveChangedAt).max(), latest >= startedAt {
            messageID += ":after:\(RFC3339.format(unixSeconds: latest))"
            occurredAt = max(polledAt, latest)
        }
        let event: JSONValue = [
            "id": .string(stream.id), "broadcaster_user_id": .string(userID), "broadcaster_user_login": .string(stream.userLogin),
            "broadcaster_user_name": .string(stream.userName), "type": .string(stream.type), "started_at": .string(stream.startedAt),
        ]
        let body: JSONValue = [
            "source": "poll", "polled_at": .string(RFC3339.format(unixSeconds: polledAt)),
            "subscription": ["type": "stream.online", "version": "1"], "event": event,
            "stream": ["title": .string(stream.title), "game_id": .string(stream.gameID), "game_name": .string(stream.gameName),
                       "viewer_count": .int(Int64(stream.viewerCount)), "language": .string(stream.language)],
        ]
        let notification = NormalizedNotification(
            messageID: messageID, subscriptionID: "poll", subscriptionType: "stream.online", subscriptionVersion: "1",
            occurredAt: RFC3339.format(unixSeconds: occurredAt),
            broadcaster: TwitchUser(id: userID, login: stream.userLogin.isEmpty ? nil : stream.userLogin,
                                    name: stream.userName.isEmpty ? nil : stream.userName),
            routingUserIDs: [userID],
            data: ["streamId": .string(stream.id), "streamType": .string(stream.type), "startedAt": .string(stream.startedAt)],
            rawBody: Array(JSONWriter.string(body).utf8), source: "poll")
        return .emit(notification, online: true)
    }

    /// The poll says not live. A company whose row is live needs a synthetic offline, unless it
    /// went live so recently that Helix may not list the stream yet.
    func decideOffline(userID: String, statuses: [CreatorStatus], polledAt: Double) -> Decision {
        var needing: [CreatorStatus] = []
        var deferred = false
        for status in statuses where status.live {
            if let changed = status.liveChangedAt, polledAt - changed < options.graceSeconds {
                deferred = true
            } else {
                needing.append(status)
            }
        }
        guard !needing.isEmpty else { return deferred ? .deferred : .none }
        // The live period that ended, named by when it began (the same for every company: one
        // event set them all), so every reconciler derives the same id.
        let wentLive = needing.compactMap(\.liveChangedAt).max() ?? needing.compactMap(\.startedAt).max()
        let periodText = wentLive.map { RFC3339.format(unixSeconds: $0) } ?? "unknown"
        let startedText = needing.compactMap(\.startedAt).max().map { RFC3339.format(unixSeconds: $0) }
        let event: JSONValue = ["broadcaster_user_id": .string(userID)]
        let body: JSONValue = [
            "source": "poll", "polled_at": .string(RFC3339.format(unixSeconds: polledAt)),
            "subscription": ["type": "stream.offline", "version": "1"], "event": event,
            "previous": ["started_at": startedText.map { .string($0) } ?? .null, "live_since": .string(periodText)],
        ]
        let notification = NormalizedNotification(
            messageID: "poll:\(userID):offline:\(periodText)", subscriptionID: "poll", subscriptionType: "stream.offline",
            subscriptionVersion: "1", occurredAt: RFC3339.format(unixSeconds: max(polledAt, wentLive ?? polledAt)),
            broadcaster: TwitchUser(id: userID, login: nil, name: nil), routingUserIDs: [userID], data: [:],
            rawBody: Array(JSONWriter.string(body).utf8), source: "poll")
        return .emit(notification, online: false)
    }

    // MARK: Helix

    /// `GET /streams` for one batch; on 429 waits for `Ratelimit-Reset` (bounded) and retries twice.
    private func poll(_ userIDs: [String]) async throws -> [HelixStream] {
        var retries = 0
        while true {
            do {
                return try await helix.streams(userIDs: userIDs)
            } catch {
                guard case .rateLimited(let resetAt, _) = error, retries < 2 else { throw error }
                retries += 1
                let seconds = resetAt.map { Double($0) - wallClockSeconds() } ?? 1
                let wait = min(max(seconds, 0.05), options.maximumRateLimitWaitSeconds)
                logger.notice("helix rate limit reached; waiting", metadata: ["seconds": "\(wait)"])
                try await sleep(wait)
            }
        }
    }

    // MARK: Database

    struct Tracker: Sendable {
        let companyID: String
        let creatorID: String
        let twitchUserID: String
    }

    /// A creator's `creator_status` row as far as reconciliation cares (times as Unix seconds).
    struct CreatorStatus: Sendable {
        let live: Bool
        let startedAt: Double?
        let liveChangedAt: Double?

        /// No row yet: not live as far as anyone told us.
        static let absent = CreatorStatus(live: false, startedAt: nil, liveChangedAt: nil)
    }

    private func trackedUserIDs() async throws -> [String] {
        let scope = options.onlyTwitchUserIDs
        return try await pool.withConnection { connection in
            try connection.query("SELECT twitch_user_id FROM tracked_twitch_users() ORDER BY twitch_user_id").rows
                .map { try $0.require("twitch_user_id") }
                .filter { scope?.contains($0) ?? true }
        }
    }

    private func trackers(of userIDs: [String]) async throws -> [Tracker] {
        let ids = PostgresArray.literal(userIDs)
        return try await pool.withConnection { connection in
            try connection.query("SELECT company_id::text AS company_id, creator_id::text AS creator_id, twitch_user_id FROM tracked_creators($1::text[])",
                                 [ids]).rows.map {
                Tracker(companyID: try $0.require("company_id"), creatorID: try $0.require("creator_id"),
                        twitchUserID: try $0.require("twitch_user_id"))
            }
        }
    }

    private func readStatuses(company: String, creators: [String]) async throws -> [String: CreatorStatus] {
        let ids = PostgresArray.literal(creators)
        return try await pool.tenant(company) { connection in
            var statuses: [String: CreatorStatus] = [:]
            let rows = try connection.query("""
                SELECT creator_id::text AS creator_id, live,
                       extract(epoch FROM started_at)::float8 AS started_at,
                       extract(epoch FROM live_changed_at)::float8 AS live_changed_at
                FROM creator_status WHERE creator_id = ANY ($1::uuid[])
                """, [ids]).rows
            for row in rows {
                statuses[try row.require("creator_id")] = CreatorStatus(
                    live: row.bool("live") ?? false, startedAt: row["started_at"].flatMap(Double.init),
                    liveChangedAt: row["live_changed_at"].flatMap(Double.init))
            }
            return statuses
        }
    }

    /// Title, category and viewers onto rows live with the polled stream (title and category only
    /// where no channel.update newer than `infoTrustedBefore` set them), and one viewer sample per
    /// creator for the current minute. Returns (rows updated, samples inserted).
    private func writeDetails(company: String, records: [JSONValue], infoTrustedBefore: Double) async throws -> (Int, Int) {
        let json = JSONWriter.string(.array(records))
        return try await pool.tenant(company) { connection in
            let updated = try connection.query("""
                WITH r AS (
                    SELECT * FROM jsonb_to_recordset($1::jsonb)
                        AS r(creator_id uuid, stream_id text, title text, category_id text, category_name text,
                             viewers integer, started_at timestamptz)
                ), info AS (
                    SELECT r.*, (cs.info_changed_at IS NULL OR cs.info_changed_at <= to_timestamp($2::float8)) AS fresh
                    FROM r JOIN creator_status cs ON cs.creator_id = r.creator_id
                )
                UPDATE creator_status cs SET
                    viewer_count = info.viewers,
                    title = CASE WHEN info.fresh THEN info.title ELSE cs.title END,
                    category_id = CASE WHEN info.fresh THEN info.category_id ELSE cs.category_id END,
                    category_name = CASE WHEN info.fresh THEN info.category_name ELSE cs.category_name END,
                    updated_at = now()
                FROM info
                WHERE cs.creator_id = info.creator_id AND cs.live AND cs.started_at = info.started_at
                  AND (cs.viewer_count IS DISTINCT FROM info.viewers
                       OR (info.fresh AND (cs.title, cs.category_id, cs.category_name)
                           IS DISTINCT FROM (info.title, info.category_id, info.category_name)))
                """, [json, infoTrustedBefore]).affectedRows
            let sampled = try connection.query("""
                INSERT INTO viewer_samples (company_id, creator_id, sampled_at, viewer_count, stream_id)
                SELECT $2::uuid, r.creator_id, date_trunc('minute', now()), r.viewers, r.stream_id
                FROM jsonb_to_recordset($1::jsonb) AS r(creator_id uuid, stream_id text, viewers integer)
                ON CONFLICT (creator_id, platform, sampled_at) DO NOTHING
                """, [json, company]).affectedRows
            return (updated, sampled)
        }
    }
}
