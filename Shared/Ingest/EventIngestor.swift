import BlockingIO
public import EventSub
import JSONValue
public import Logging
import NIOConcurrencyHelpers
public import Postgres
public import Rooms

/// What became of one notification.
public struct IngestOutcome: Sendable {
    /// The rows stored by this call, one per company that tracks the broadcaster.
    public let stored: [CompactEvent]
    /// Companies track the broadcaster but every row existed already: a redelivery.
    public let duplicate: Bool
    /// No company tracks the broadcaster; the notification was kept in `eventsub_unrouted`.
    public let unrouted: Bool
    /// It could not be stored as an event (Postgres refused it); it was kept in
    /// `eventsub_dead_letters` for an operator instead of being retried forever.
    public var deadLettered: Bool = false
}

/// Stores verified notifications and publishes them, committing many concurrent requests in one
/// transaction (group commit).
///
/// Why: with synchronous commit, one commit per event tops out at a few thousand events/s on a
/// small machine because every commit waits for its WAL flush. Here each caller appends its
/// notification to a queue and suspends; up to `writers` writer loops, each on a Postgres pool
/// thread with its own connection, take everything queued (up to `maxBatch`) and store it in one
/// transaction: one tracked-creator lookup, then one `store_events` call that inserts the rows of
/// every company in the batch (each checked against the company's trackers inside Postgres). Only after COMMIT are the
/// callers resumed (so a 2xx means durable); then the new rows are published to Redis.
///
/// Dedupe is the `(company_id, twitch_message_id)` unique key with `ON CONFLICT DO NOTHING`, so a
/// redelivery, even one racing the original in the same batch, stores and publishes once.
public final class EventIngestor: Sendable {
    public struct Options: Sendable {
        public var maxBatch: Int
        public var writers: Int
        /// How long a writer waits for a company's stream lock before the batch fails with a
        /// retryable error (503: Twitch redelivers), so one stuck holder cannot stall ingest.
        public var streamLockTimeoutMilliseconds: Int
        public init(maxBatch: Int = 512, writers: Int = 2, streamLockTimeoutMilliseconds: Int = 5_000) {
            self.maxBatch = maxBatch
            self.writers = writers
            self.streamLockTimeoutMilliseconds = streamLockTimeoutMilliseconds
        }
    }

    private struct Pending: Sendable {
        let notification: NormalizedNotification
        let continuation: CheckedContinuation<IngestOutcome, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var activeWriters = 0
    }

    private let postgres: PostgresPool
    private let publisher: RoomPublisher?
    private let options: Options
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    public init(postgres: PostgresPool, publisher: RoomPublisher?, options: Options = Options(), logger: Logger) {
        precondition(options.writers < postgres.size, "leave at least one pool connection for other queries")
        self.postgres = postgres
        self.publisher = publisher
        self.options = options
        self.logger = logger
    }

    /// Stores `notification` for every company tracking its broadcaster(s); returns once committed.
    public func ingest(_ notification: NormalizedNotification) async throws -> IngestOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let startWriter = state.withLockedValue { state -> Bool in
                state.pending.append(Pending(notification: notification, continuation: continuation))
                guard state.activeWriters < options.writers else { return false }
                state.activeWriters += 1
                return true
            }
            if startWriter { launchWriter() }
        }
    }

    private func launchWriter() {
        Task { [self] in
            do {
                try await postgres.withConnection { [self] connection in drain(connection) }
            } catch {
                // No connection could be had (Postgres down): fail what is queued now, so callers
                // answer 5xx promptly and Twitch retries later.
                let failed = state.withLockedValue { state -> [Pending] in
                    state.activeWriters -= 1
                    let failed = state.pending
                    state.pending.removeAll()
                    return failed
                }
                logger.error("event store unavailable", metadata: ["error": "\(error)", "failedRequests": "\(failed.count)"])
                failed.forEach { $0.continuation.resume(throwing: error) }
            }
        }
    }

    /// Writer loop: runs on a pool thread until the queue is empty.
    private func drain(_ connection: PostgresConnection) {
        while true {
            let batch = state.withLockedValue { state -> [Pending]? in
                guard !state.pending.isEmpty else {
                    state.activeWriters -= 1
                    return nil
                }
                let count = min(options.maxBatch, state.pending.count)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                return batch
            }
            guard let batch else { return }
            do {
                try write(batch, on: connection)
            } catch let error as PostgresError where error.isTransient {
                // A stream lock not had in time (or a deadlock): nothing wrong with the events;
                // their senders get 503 and redeliver.
                logger.warning("batch not stored, retryable", metadata: ["error": "\(error)", "size": "\(batch.count)"])
                batch.forEach { $0.continuation.resume(throwing: error) }
            } catch let error as PostgresError where error.kind == .query && batch.count > 1 {
                // One bad notification must not fail its neighbours: store them one by one.
                logger.warning("batch failed, retrying one by one", metadata: ["error": "\(error)", "size": "\(batch.count)"])
                for single in batch { writeAlone(single, on: connection) }
            } catch let error as PostgresError where error.kind == .query {
                writeAlone(batch[0], on: connection)
            } catch {
                batch.forEach { $0.continuation.resume(throwing: error) }
                if !connection.isHealthy {
                    // The connection broke: hand what is still queued to a fresh writer.
                    let restart = state.withLockedValue { state -> Bool in
                        guard !state.pending.isEmpty else {
                            state.activeWriters -= 1
                            return false
                        }
                        return true
                    }
                    if restart { launchWriter() }
                    return
                }
            }
        }
    }

    /// One notification in its own transaction; if Postgres refuses it (not a connection problem),
    /// it is dead-lettered so that Twitch's retries do not turn one bad payload into an outage.
    private func writeAlone(_ pending: Pending, on connection: PostgresConnection) {
        do {
            try write([pending], on: connection)
        } catch let error as PostgresError where error.isTransient {
            pending.continuation.resume(throwing: error)
        } catch let error as PostgresError where error.kind == .query {
            let n = pending.notification
            logger.error("notification refused by the database; dead-lettered",
                         metadata: ["messageId": "\(n.messageID)", "type": "\(n.subscriptionType)", "error": "\(error)"])
            do {
                try connection.query("""
                    INSERT INTO eventsub_dead_letters (twitch_message_id, subscription_type, error, body)
                    VALUES ($1, $2, $3, $4) ON CONFLICT (twitch_message_id) DO NOTHING
                    """, [n.messageID, n.subscriptionType, error.description, String(decoding: n.rawBody, as: UTF8.self)])
                var outcome = IngestOutcome(stored: [], duplicate: false, unrouted: false)
                outcome.deadLettered = true
                pending.continuation.resume(returning: outcome)
            } catch {
                pending.continuation.resume(throwing: error)
            }
        } catch {
            pending.continuation.resume(throwing: error)
        }
    }

    /// Stores one batch in one transaction, resumes the callers, then publishes.
    private func write(_ batch: [Pending], on connection: PostgresConnection) throws {
        var results = [[CompactEvent]](repeating: [], count: batch.count)
        var routed = [Bool](repeating: false, count: batch.count)
        var deliveries: [RoomPublisher.Delivery] = []
        var holdsStreamLocks = false
        defer { if holdsStreamLocks { _ = try? connection.query("SELECT pg_advisory_unlock_all()") } }

        try connection.withTransaction {
            let userIDs = Set(batch.flatMap(\.notification.routingUserIDs))
            var trackers: [String: [(company: String, creator: String)]] = [:]
            if !userIDs.isEmpty {
                let rows = try connection.query(
                    "SELECT company_id, creator_id, twitch_user_id FROM tracked_creators($1::text[])",
                    [PostgresArray.literal(Array(userIDs))]).rows
                for row in rows {
                    trackers[try row.require("twitch_user_id"), default: []].append(
                        (try row.require("company_id"), try row.require("creator_id")))
                }
            }

            // company -> rows to insert (index into batch, primary creator, every matched creator)
            var plan: [String: [(index: Int, creator: String?, creators: [String])]] = [:]
            var seen: Set<String> = []
            for (index, pending) in batch.enumerated() {
                let notification = pending.notification
                var byCompany: [String: [String]] = [:]
                for userID in notification.routingUserIDs {
                    for tracker in trackers[userID] ?? [] where !(byCompany[tracker.company]?.contains(tracker.creator) ?? false) {
                        byCompany[tracker.company, default: []].append(tracker.creator)
                    }
                }
                routed[index] = !byCompany.isEmpty
                for (company, creators) in byCompany {
                    // The same message twice in one batch (a redelivery racing the original):
                    // only the first copy is inserted; the other reports a duplicate.
                    guard seen.insert("\(company)|\(notification.messageID)").inserted else { continue }
                    // The event's creator is the broadcaster's tracker where the company tracks it.
                    let primary = trackers[notification.broadcaster?.id ?? ""]?.first { $0.company == company }?.creator ?? creators.first
                    plan[company, default: []].append((index, primary, creators))
                }
            }

            if !plan.isEmpty {
                // Set first: a lock timeout part-way leaves the locks already taken to release.
                holdsStreamLocks = true
                try lockStreams(of: Array(plan.keys), on: connection)
            }
            // Every company's rows in one statement; then live status in each affected company's scope.
            let stored = try storeEvents(plan.flatMap { company, rows in
                rows.map { (company: company, creator: $0.creator, notification: batch[$0.index].notification) }
            }, on: connection)
            var statusEffects: [String: [CompactEvent]] = [:]
            for (company, rows) in plan {
                for row in rows {
                    guard let event = stored["\(company)|\(batch[row.index].notification.messageID)"] else { continue }
                    results[row.index].append(event)
                    deliveries.append(RoomPublisher.Delivery(event: event, creatorIDs: row.creators))
                    if Self.changesStatus(event) { statusEffects[company, default: []].append(event) }
                }
            }
            for (company, events) in statusEffects {
                try connection.setTenant(company)
                for event in events.sorted(by: { $0.id < $1.id }) { try applyStatusEffect(of: event, on: connection) }
            }
            // Published in id order: per company that is commit order (the stream locks).
            deliveries.sort { $0.event.id < $1.event.id }

            let unrouted = batch.indices.filter { !routed[$0] }.map { batch[$0].notification }
            if !unrouted.isEmpty { try storeUnrouted(unrouted, on: connection) }
        }

        // Callers first (their 2xx only needs the commit), then one pipelined PUBLISH round trip.
        for (index, pending) in batch.enumerated() {
            pending.continuation.resume(returning: IngestOutcome(
                stored: results[index], duplicate: routed[index] && results[index].isEmpty, unrouted: !routed[index]))
        }
        publisher?.publishBlocking(deliveries)
    }

    /// Takes each company's stream lock (a session-level advisory lock, in key order so two
    /// writers cannot deadlock), held from before the INSERT until after the PUBLISH.
    ///
    /// Why: event ids come from one sequence at INSERT time. Two writers (of this process or of
    /// another webhook instance) storing the same company's events concurrently could commit and
    /// publish them out of id order; a dashboard that saw id 101 and reconnects with
    /// `lastEventId: 101` would then never get id 100 (recovery replays ids above 101). Under the
    /// lock, per company, id order = commit order = publish order. (The hash seed 7001 keeps these
    /// keys apart from other advisory lock users.)
    ///
    /// A holder that stops answering must not keep its locks: the wait is bounded by
    /// `lock_timeout` (this transaction only), and the server probes this session's TCP peer
    /// (keepalive after 10 s idle, every 5 s, 3 misses), so a dead process's locks go in ~25 s.
    private func lockStreams(of companies: [String], on connection: PostgresConnection) throws {
        try connection.query("""
            SELECT set_config('lock_timeout', $1, true), set_config('tcp_keepalives_idle', '10', false),
                   set_config('tcp_keepalives_interval', '5', false), set_config('tcp_keepalives_count', '3', false)
            """, ["\(options.streamLockTimeoutMilliseconds)ms"])
        try connection.query("""
            SELECT count(pg_advisory_lock(k)) AS locked
            FROM (SELECT DISTINCT hashtextextended(c, 7001) AS k FROM unnest($1::text[]) AS c ORDER BY k) AS ordered
            """, [PostgresArray.literal(companies)])
    }

    /// One statement for the whole batch (`store_events`, migration 5): each row names its company
    /// and creator, and the function stores it only if that creator tracks one of the notification's
    /// routing users. Rows travel as one JSON parameter; the raw body is embedded verbatim (it was
    /// parsed, so it is valid JSON). Returns the stored rows keyed by `company|message id`.
    private func storeEvents(
        _ rows: [(company: String, creator: String?, notification: NormalizedNotification)], on connection: PostgresConnection
    ) throws -> [String: CompactEvent] {
        guard !rows.isEmpty else { return [:] }
        var records = "["
        for (index, row) in rows.enumerated() {
            let n = row.notification
            if index > 0 { records += "," }
            records += "{\"i\":\(index),\"k\":"
            JSONWriter.writeString(row.company, into: &records)
            records += ",\"c\":"
            if let creator = row.creator { JSONWriter.writeString(creator, into: &records) } else { records += "null" }
            records += ",\"m\":"
            JSONWriter.writeString(n.messageID, into: &records)
            records += ",\"t\":"
            JSONWriter.writeString(n.subscriptionType, into: &records)
            records += ",\"v\":"
            JSONWriter.writeString(n.subscriptionVersion, into: &records)
            records += ",\"b\":"
            if let broadcaster = n.broadcaster { JSONWriter.writeString(broadcaster.id, into: &records) } else { records += "null" }
            records += ",\"o\":"
            JSONWriter.writeString(n.occurredAt, into: &records)
            records += ",\"d\":"
            JSONWriter.write(n.data, into: &records)
            records += ",\"s\":"
            JSONWriter.writeString(n.source, into: &records)
            records += ",\"u\":["
            for (position, userID) in n.routingUserIDs.enumerated() {
                if position > 0 { records += "," }
                JSONWriter.writeString(userID, into: &records)
            }
            records += "],\"p\":"
            records += String(decoding: n.rawBody, as: UTF8.self)
            records += "}"
        }
        records += "]"
        let result = try connection.query("SELECT * FROM store_events($1::jsonb)", [records])
        var stored: [String: CompactEvent] = [:]
        for row in result.rows {
            let event = try EventRows.compactEvent(from: row)
            stored["\(event.companyID)|\(try row.require("twitch_message_id"))"] = event
        }
        return stored
    }

    static func changesStatus(_ event: CompactEvent) -> Bool {
        event.creatorID != nil && (event.type == "stream.online" || event.type == "stream.offline" || event.type == "channel.update")
    }

    /// Live status follows stream.online / stream.offline / channel.update, guarded by the event
    /// time so that a late redelivery cannot roll the tile back.
    private func applyStatusEffect(of event: CompactEvent, on connection: PostgresConnection) throws {
        guard let creator = event.creatorID else { return }
        switch event.type {
        case "stream.online":
            try connection.query("""
                INSERT INTO creator_status (creator_id, company_id, live, started_at, viewer_count, live_changed_at, last_event_id)
                VALUES ($1, $2, true, COALESCE($3::timestamptz, $4::timestamptz), 0, $4::timestamptz, $5)
                ON CONFLICT (creator_id) DO UPDATE SET
                    live = true, started_at = EXCLUDED.started_at, viewer_count = 0,
                    live_changed_at = EXCLUDED.live_changed_at, last_event_id = EXCLUDED.last_event_id, updated_at = now()
                WHERE creator_status.live_changed_at IS NULL OR creator_status.live_changed_at <= EXCLUDED.live_changed_at
                """, [creator, event.companyID, event.data["startedAt"]?.stringValue, event.occurredAt, event.id])
        case "stream.offline":
            try connection.query("""
                INSERT INTO creator_status (creator_id, company_id, live, started_at, viewer_count, live_changed_at, last_event_id)
                VALUES ($1, $2, false, NULL, 0, $3::timestamptz, $4)
                ON CONFLICT (creator_id) DO UPDATE SET
                    live = false, started_at = NULL, viewer_count = 0,
                    live_changed_at = EXCLUDED.live_changed_at, last_event_id = EXCLUDED.last_event_id, updated_at = now()
                WHERE creator_status.live_changed_at IS NULL OR creator_status.live_changed_at <= EXCLUDED.live_changed_at
                """, [creator, event.companyID, event.occurredAt, event.id])
        case "channel.update":
            try connection.query("""
                INSERT INTO creator_status (creator_id, company_id, title, category_id, category_name, info_changed_at, last_event_id)
                VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7)
                ON CONFLICT (creator_id) DO UPDATE SET
                    title = EXCLUDED.title, category_id = EXCLUDED.category_id, category_name = EXCLUDED.category_name,
                    info_changed_at = EXCLUDED.info_changed_at, last_event_id = EXCLUDED.last_event_id, updated_at = now()
                WHERE creator_status.info_changed_at IS NULL OR creator_status.info_changed_at <= EXCLUDED.info_changed_at
                """, [creator, event.companyID, event.data["title"]?.stringValue, event.data["categoryId"]?.stringValue,
                      event.data["categoryName"]?.stringValue, event.occurredAt, event.id])
        default:
            return
        }
    }

    private func storeUnrouted(_ notifications: [NormalizedNotification], on connection: PostgresConnection) throws {
        for n in notifications {
            try connection.query("""
                INSERT INTO eventsub_unrouted (twitch_message_id, subscription_type, subscription_version, broadcaster_user_id, payload)
                VALUES ($1, $2, $3, $4, $5::jsonb)
                ON CONFLICT (twitch_message_id) DO NOTHING
                """, [n.messageID, n.subscriptionType, n.subscriptionVersion, n.broadcaster?.id, String(decoding: n.rawBody, as: UTF8.self)])
        }
    }
}
