public import BlockingIO
import EventSub
public import Ingest
import JSONValue
public import Logging
public import Postgres
public import RumbleAPI
public import SecretSealing

/// Rumble live status (the `rumble-status` job). Rumble has no public "is this channel live"
/// call: each channel owner hands over their Live Stream API URL, which the creators API seals
/// onto the channel row. Every run:
///
/// 1. reads the rows that are due (`tracked_channels('rumble')`, `next_check_at`), across
///    companies, and opens each row's sealed URL;
/// 2. fetches each distinct URL once (two agencies with the same owner's URL cost one request);
/// 3. per row, compares the answer with the row's state (`RumbleTransition`). A row follows one
///    stream: the one it shows, while it stays live, else the first live one listed;
/// 4. stores each transition once through the `EventIngestor` (`rumble:<stream>:online|offline`,
///    source `poll`): one event per tracking company, applied to every tracking company's row
///    with the event-time guard, published to the rooms;
/// 5. per company, in its tenant scope: writes what was observed onto the row (viewers, title,
///    and the live state itself where an event for it was already stored earlier, e.g. a row
///    added again while the stream runs), one `viewer_samples` row per live creator per minute,
///    and the schedule: `pollSeconds` later after a success, backed off after a failure
///    (`RumbleBackoff`, `check_failures`).
///
/// Transitions are ingested before the rows are written, so the write sees their effect and
/// only refreshes. A failed fetch is no observation: the row keeps its state. Idempotent: a re-run
/// finds nothing new to store, and samples are per minute.
public struct RumbleStatusPoller: Sendable {
    public struct Options: Sendable {
        public var backoff: RumbleBackoff
        /// Requests in flight at once.
        public var concurrentFetches: Int
        /// Rows due within this many seconds are polled now (default: a quarter of the interval, at
        /// most 10 s), so a run starting a moment early does not skip a row for a whole interval.
        public var dueSlackSeconds: Double
        /// Restricts the run to these channels (tests sharing a database). nil: all.
        public var onlyChannelIDs: Set<String>?

        public init(backoff: RumbleBackoff = RumbleBackoff(), concurrentFetches: Int = 8, dueSlackSeconds: Double? = nil,
                    onlyChannelIDs: Set<String>? = nil) {
            self.backoff = backoff
            self.concurrentFetches = max(1, concurrentFetches)
            self.dueSlackSeconds = dueSlackSeconds ?? min(10, Double(backoff.pollSeconds) / 4)
            self.onlyChannelIDs = onlyChannelIDs
        }
    }

    public let client: RumbleClient
    public let keys: SealingKeyRing
    /// Connects as the app role.
    public let pool: PostgresPool
    /// Stores and publishes the transitions (it may share `pool`).
    public let ingestor: EventIngestor
    public let options: Options
    let logger: Logger
    let now: @Sendable () -> Double
    /// Closes what `fromEnvironment` opened (nothing for a poller built with `init`).
    var closeResources: @Sendable () async -> Void = {}

    public init(client: RumbleClient, keys: SealingKeyRing, pool: PostgresPool, ingestor: EventIngestor, logger: Logger,
                options: Options = Options(), now: @escaping @Sendable () -> Double = wallClockSeconds) {
        self.client = client
        self.keys = keys
        self.pool = pool
        self.ingestor = ingestor
        self.logger = logger
        self.options = options
        self.now = now
    }

    public func shutdown() async {
        await closeResources()
    }

    /// What a row's poll came to.
    enum Outcome: Sendable {
        /// The state observed (nil stream: not live).
        case observed(RumbleLivestream?)
        /// No observation; poll again in `delaySeconds`.
        case failed(delaySeconds: Int)
    }

    public func run() async throws -> RumbleStatusReport {
        let started = monotonicNanoseconds()
        let polledAt = now()
        let slack = options.dueSlackSeconds, only = options.onlyChannelIDs
        let rows = try await pool.withConnection { try RumbleChannelRow.due(slackSeconds: slack, channelIDs: only, on: $0) }
        var report = RumbleStatusReport()
        report.due = rows.count
        guard !rows.isEmpty else { return report }

        // Open every row's URL; rows sharing a key share a fetch.
        var keyOfRow: [String: RumbleLivestreamKey] = [:]
        var outcomes: [String: Outcome] = [:]
        var distinct: [String: RumbleLivestreamKey] = [:]
        for row in rows {
            guard let key = openKey(row) else {
                report.unreadableKeys += 1
                outcomes[row.rowID] = .failed(delaySeconds: options.backoff.delay(failures: row.checkFailures + 1, hint: .stop))
                continue
            }
            keyOfRow[row.rowID] = key
            distinct[key.secret] = key
        }
        let fetched = await fetchAll(distinct.keys.sorted().compactMap { distinct[$0] })
        report.fetches = fetched.count
        report.failedFetches = fetched.values.filter { if case .failure = $0 { true } else { false } }.count

        // Compare, and collect each transition once (offline before online: a row that switched
        // streams ends the old one first).
        var offline: [String: NormalizedNotification] = [:]
        var online: [String: NormalizedNotification] = [:]
        for row in rows {
            guard let key = keyOfRow[row.rowID], let result = fetched[key.secret] else { continue }
            switch result {
            case .failure(let error):
                outcomes[row.rowID] = .failed(delaySeconds: options.backoff.delay(failures: row.checkFailures + 1, hint: error.backoff))
                if case .keyRejected(let status) = error {
                    report.refusedKeys += 1
                    logger.warning("Rumble refused a channel's Live Stream API key; the owner must hand over a new URL", metadata: [
                        "companyId": "\(row.companyID)", "channelRowId": "\(row.rowID)", "channelId": "\(row.channelID)", "status": "\(status)",
                        "failures": "\(row.checkFailures + 1)",
                    ])
                } else {
                    logger.notice("rumble poll failed; backing off", metadata: [
                        "channelRowId": "\(row.rowID)", "channelId": "\(row.channelID)", "error": "\(error)", "failures": "\(row.checkFailures + 1)",
                    ])
                }
            case .success(let data):
                let stream = Self.followedStream(in: data, current: row.live ? row.liveStreamID : nil)
                outcomes[row.rowID] = .observed(stream)
                let (_, changes) = RumbleTransition.evaluate(previous: row.state, fetched: RumbleLivestreamData(
                    type: data.type, userID: data.userID, username: data.username, channelID: data.channelID, channelName: data.channelName,
                    livestreams: stream.map { [$0] } ?? []))
                for change in changes {
                    switch change {
                    case .online(let live):
                        guard let stream, stream.id == live.id else { continue }
                        let id = RumbleStreamEvent.messageID(streamID: live.id, transition: "online")
                        if online[id] == nil { online[id] = RumbleStreamEvent.online(stream, channel: row, fetched: data, polledAt: polledAt) }
                    case .offline(let streamID):
                        let id = RumbleStreamEvent.messageID(streamID: streamID, transition: "offline")
                        if offline[id] == nil {
                            offline[id] = RumbleStreamEvent.offline(streamID: streamID, channel: row, fetched: data, polledAt: polledAt)
                        }
                    case .updated:
                        break  // written with the row below
                    }
                }
            }
        }

        for (_, notification) in offline.sorted(by: { $0.key < $1.key }) {
            let stored = try await ingestor.ingest(notification).stored.count
            report.events += stored
            if stored > 0 { report.wentOffline += 1 }
        }
        for (_, notification) in online.sorted(by: { $0.key < $1.key }) {
            let stored = try await ingestor.ingest(notification).stored.count
            report.events += stored
            if stored > 0 { report.wentOnline += 1 }
        }

        var rowsByCompany: [String: [RumbleChannelRow]] = [:]
        for row in rows { rowsByCompany[row.companyID, default: []].append(row) }
        for (company, companyRows) in rowsByCompany.sorted(by: { $0.key < $1.key }) {
            let written = try await write(company: company, rows: companyRows, outcomes: outcomes, polledAt: polledAt)
            report.refreshed += written.refreshed
            report.samples += written.samples
            report.backedOff += written.backedOff
        }
        logger.info("rumble status done", metadata: [
            "report": "\(report)", "milliseconds": "\((monotonicNanoseconds() - started) / 1_000_000)",
        ])
        return report
    }

    /// The stream a row follows: the one it shows while that is still live, else the first live
    /// one Rumble lists (newest first), else none.
    static func followedStream(in data: RumbleLivestreamData, current: String?) -> RumbleLivestream? {
        let live = data.live
        return live.first { $0.id == current } ?? live.first
    }

    // MARK: Keys and fetches

    /// The row's key, or nil (logged) when its URL is missing or does not open.
    private func openKey(_ row: RumbleChannelRow) -> RumbleLivestreamKey? {
        guard let sealed = row.sealedAPIURL else {
            logger.error("a Rumble channel row has no API URL; add the channel again", metadata: ["channelRowId": "\(row.rowID)"])
            return nil
        }
        do {
            let url = try keys.openSecret(sealed, context: RumbleLivestreamKey.sealingContext(channelRowID: row.rowID))
            return try RumbleLivestreamKey(parsing: url.reveal(), baseURL: client.configuration.baseURL)
        } catch {
            logger.error("a Rumble channel's API URL cannot be opened with TOKEN_ENCRYPTION_KEYS; polled slowly", metadata: [
                "channelRowId": "\(row.rowID)", "error": "\(error)",
            ])
            return nil
        }
    }

    /// One request per key, at most `concurrentFetches` at a time; results by key secret.
    private func fetchAll(_ keys: [RumbleLivestreamKey]) async -> [String: Result<RumbleLivestreamData, RumbleError>] {
        let client = self.client
        @Sendable func fetch(_ key: RumbleLivestreamKey) async -> (String, Result<RumbleLivestreamData, RumbleError>) {
            do { return (key.secret, .success(try await client.fetch(key))) } catch { return (key.secret, .failure(error)) }
        }
        return await withTaskGroup(of: (String, Result<RumbleLivestreamData, RumbleError>).self) { group in
            var pending = keys.makeIterator()
            for _ in 0..<options.concurrentFetches {
                guard let key = pending.next() else { break }
                group.addTask { await fetch(key) }
            }
            var results: [String: Result<RumbleLivestreamData, RumbleError>] = [:]
            while let (secret, result) = await group.next() {
                results[secret] = result
                if let key = pending.next() { group.addTask { await fetch(key) } }
            }
            return results
        }
    }

    // MARK: Rows

    /// One company's rows in one transaction of its tenant scope: observations, samples, schedule.
    private func write(company: String, rows: [RumbleChannelRow], outcomes: [String: Outcome],
                       polledAt: Double) async throws -> (refreshed: Int, samples: Int, backedOff: Int) {
        var observed: [JSONValue] = []
        var failed: [JSONValue] = []
        for row in rows {
            switch outcomes[row.rowID] {
            case .observed(let stream)?:
                observed.append([
                    "row_id": .string(row.rowID), "live": .bool(stream != nil), "stream_id": stream.map { .string($0.id) } ?? .null,
                    "title": stream.map { .string($0.title) } ?? .null, "viewers": .int(Int64(stream?.watchingNow ?? 0)),
                    "started_at": stream?.createdOn.flatMap(RFC3339.unixSeconds).map { .string(RFC3339.format(unixSeconds: $0)) } ?? .null,
                ])
            case .failed(let delay)?:
                failed.append(["row_id": .string(row.rowID), "delay": .int(Int64(delay))])
            case nil:
                continue
            }
        }
        let anyObserved = !observed.isEmpty, anyFailed = !failed.isEmpty
        let observedJSON = JSONWriter.string(.array(observed)), failedJSON = JSONWriter.string(.array(failed))
        let polled = RFC3339.format(unixSeconds: polledAt), interval = Double(options.backoff.pollSeconds)
        return try await pool.tenant(company) { connection in
            var refreshed = 0, samples = 0, backedOff = 0
            if anyObserved {
                // `same`: the row already shows what was observed (usually: the transition's event
                // just set it), so only viewers and title change. Otherwise the observation is
                // written only if no newer change reached the row since the poll (`fresh`).
                refreshed = try connection.query("""
                    WITH r AS (
                        SELECT * FROM jsonb_to_recordset($1::jsonb)
                            AS r(row_id uuid, live boolean, stream_id text, title text, viewers integer, started_at timestamptz)
                    ), d AS (
                        SELECT r.*, (ch.live = r.live AND ch.live_stream_id IS NOT DISTINCT FROM r.stream_id) AS same,
                               (ch.live_changed_at IS NULL OR ch.live_changed_at <= $2::timestamptz) AS fresh
                        FROM r JOIN creator_channels ch ON ch.id = r.row_id
                    )
                    UPDATE creator_channels ch SET
                        check_failures = 0, checked_at = now(), next_check_at = now() + make_interval(secs => $3::float8),
                        live = CASE WHEN d.fresh THEN d.live ELSE ch.live END,
                        live_stream_id = CASE WHEN d.fresh THEN d.stream_id ELSE ch.live_stream_id END,
                        started_at = CASE WHEN d.same OR NOT d.fresh THEN ch.started_at ELSE d.started_at END,
                        live_changed_at = CASE WHEN d.same OR NOT d.fresh THEN ch.live_changed_at ELSE $2::timestamptz END,
                        title = CASE WHEN d.live AND (d.same OR d.fresh) THEN d.title ELSE ch.title END,
                        viewer_count = CASE WHEN d.same OR d.fresh THEN d.viewers ELSE ch.viewer_count END
                    FROM d
                    WHERE ch.id = d.row_id
                    RETURNING ch.live AND d.live AND ch.live_stream_id = d.stream_id AS refreshed
                    """, [observedJSON, polled, interval]).rows.filter { $0.bool("refreshed") == true }.count
                samples = try connection.query("""
                    INSERT INTO viewer_samples (company_id, creator_id, platform, sampled_at, viewer_count, stream_id)
                    SELECT ch.company_id, ch.creator_id, 'rumble', date_trunc('minute', now()), r.viewers, r.stream_id
                    FROM jsonb_to_recordset($1::jsonb) AS r(row_id uuid, live boolean, stream_id text, viewers integer)
                    JOIN creator_channels ch ON ch.id = r.row_id AND ch.live AND ch.live_stream_id = r.stream_id
                    WHERE r.live
                    ON CONFLICT (creator_id, platform, sampled_at) DO NOTHING
                    """, [observedJSON]).affectedRows
            }
            if anyFailed {
                backedOff = try connection.query("""
                    UPDATE creator_channels ch SET check_failures = ch.check_failures + 1, checked_at = now(),
                           next_check_at = now() + make_interval(secs => r.delay)
                    FROM jsonb_to_recordset($1::jsonb) AS r(row_id uuid, delay float8)
                    WHERE ch.id = r.row_id
                    """, [failedJSON]).affectedRows
            }
            return (refreshed, samples, backedOff)
        }
    }
}
