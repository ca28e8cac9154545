import BlockingIO
public import EventSub
import JobQueue
import JSONValue
public import Logging
import NIOConcurrencyHelpers
public import Postgres
import Redis
import Rooms

/// Stores verified notifications and publishes them: many concurrent requests per transaction
/// (group commit), in writer lanes that each own a share of the companies.
///
/// Why group commit: with synchronous commit, one commit per event tops out at a few thousand
/// events/s on a small machine because every commit waits for its WAL flush.
///
/// Why lanes: a company's events must be committed and published in id order (a dashboard resumes
/// after the last id it saw), so writers storing the same company's rows take its stream lock
/// from INSERT to PUBLISH. With writers that each took whatever was queued, every batch held the
/// locks of the busiest companies (a raid's channel is in every batch), so the writers ran one at
/// a time and a core stood idle. Now each company belongs to one lane of this process while it has
/// rows queued or being stored, so a process's lanes never wait on each other; the lock remains
/// for other processes. A company with nothing pending goes to the least loaded lane: with a
/// fixed hash, the three agencies of a raid could all share one lane while the other stood idle
/// (2,548 events/s for that storm at 100 agencies, against 4,378 where the hash split them).
///
/// 1. `ingest()` queues the notification and suspends (`IngestTicket`).
/// 2. The router (one loop at a time, on a pool connection) takes up to `maxBatch` queued
///    notifications, looks up every tracking company with one `tracked_creators()` call, keeps
///    the ones nobody tracks in `eventsub_unrouted` (answered at once) and hands each company's
///    row to the lane that holds the company's pending rows, or else to the least loaded lane.
/// 3. Each lane (a loop on its own pool connection) stores up to `maxBatch` rows in one
///    transaction (`IngestLane`). A notification is answered once each of its rows has been
///    committed: a 2xx means durable. Then the lane publishes its rows to Redis.
///
/// Dedupe is the `(company_id, twitch_message_id)` unique key with `ON CONFLICT DO NOTHING`, so a
/// redelivery, even one racing the original in the same batch, stores and publishes once.
public final class EventIngestor: Sendable {
    public struct Options: Sendable {
        public var maxBatch: Int
        /// Writer lanes (each with its own connection); a company's pending rows are in one.
        public var lanes: Int
        /// How long a lane waits for a company's stream lock (held by another process) before
        /// its batch fails with a retryable error (503: Twitch redelivers), so one stuck holder
        /// cannot stall ingest.
        public var streamLockTimeoutMilliseconds: Int
        public init(maxBatch: Int = 512, lanes: Int = 2, streamLockTimeoutMilliseconds: Int = 5_000) {
            self.maxBatch = maxBatch
            self.lanes = lanes
            self.streamLockTimeoutMilliseconds = streamLockTimeoutMilliseconds
        }
    }

    /// One company's row of one notification, on its way to (or in) the company's lane.
    struct LaneRow: Sendable {
        let ticket: IngestTicket
        let company: String
        /// The event's creator: the company's tracker of the broadcaster where it tracks it.
        let creator: String?
        /// Every creator of this company the notification concerns (their rooms get it).
        let creators: [String]
    }

    private struct State {
        var pending: [IngestTicket] = []
        var routing = false
        var laneQueues: [[LaneRow]]
        var laneActive: [Bool]
        /// Rows queued in or being stored by each lane.
        var laneLoad: [Int]
        /// The lane of each company with rows pending, and how many: a company's rows stay in one
        /// lane (so in id order) until all of them are stored and published.
        var owners: [String: (lane: Int, rows: Int)] = [:]

        mutating func assign(_ row: LaneRow) -> Int {
            let lane: Int
            if let owner = owners[row.company] {
                lane = owner.lane
                owners[row.company] = (lane, owner.rows + 1)
            } else {
                lane = laneLoad.indices.min { laneLoad[$0] < laneLoad[$1] } ?? 0
                owners[row.company] = (lane, 1)
            }
            laneLoad[lane] += 1
            laneQueues[lane].append(row)
            return lane
        }

        mutating func finished(_ rows: [LaneRow], lane: Int) {
            laneLoad[lane] -= rows.count
            for row in rows {
                guard let owner = owners[row.company] else { continue }
                owners[row.company] = owner.rows > 1 ? (owner.lane, owner.rows - 1) : nil
            }
        }
    }

    let postgres: PostgresPool
    let publisher: RoomPublisher?
    let options: Options
    let logger: Logger
    private let state: NIOLockedValueBox<State>

    /// `postgres` needs a connection per lane, one for the router and one for other queries.
    public init(postgres: PostgresPool, publisher: RoomPublisher?, options: Options = Options(), logger: Logger) {
        precondition(options.lanes >= 1 && options.lanes + 1 < postgres.size,
                     "a connection per lane, one for the router, and one left for other queries")
        self.postgres = postgres
        self.publisher = publisher
        self.options = options
        self.logger = logger
        self.state = NIOLockedValueBox(State(laneQueues: Array(repeating: [], count: options.lanes),
                                             laneActive: Array(repeating: false, count: options.lanes),
                                             laneLoad: Array(repeating: 0, count: options.lanes)))
    }

    /// Stores `notification` for every company tracking its broadcaster(s); returns once committed.
    public func ingest(_ notification: NormalizedNotification) async throws -> IngestOutcome {
        let ticket = IngestTicket(notification)
        return try await withCheckedThrowingContinuation { continuation in
            ticket.attach(continuation)
            let startRouter = state.withLockedValue { state -> Bool in
                state.pending.append(ticket)
                guard !state.routing else { return false }
                state.routing = true
                return true
            }
            if startRouter { launchRouter() }
        }
    }

    /// Asks `notify` to send what a lane's outbox wrote, in one pipelined round trip, after the
    /// lane answered and published. Best effort like publishing: a delivery whose job is lost
    /// (Redis down, no publisher) stays pending and the sweeper enqueues it.
    func enqueueNotifications(_ deliveries: [NotifyRequest.Delivery]) {
        guard !deliveries.isEmpty else { return }
        guard let redis = publisher?.redis else {
            logger.warning("notifications stored without a queue; the sweeper will send them", metadata: ["deliveries": "\(deliveries.count)"])
            return
        }
        do {
            try redis.withConnectionBlocking { try NotifyRequest.enqueue(deliveries, on: $0) }
        } catch {
            logger.warning("notifications stored but not enqueued; the sweeper will send them",
                           metadata: ["error": "\(error)", "deliveries": "\(deliveries.count)"])
        }
    }

    // MARK: - Router

    private func launchRouter() {
        Task { [self] in
            do {
                try await postgres.withConnection { [self] connection in route(on: connection) }
            } catch {
                // No connection could be had (Postgres down): fail what is queued now, so callers
                // answer 5xx promptly and Twitch retries later.
                let failed = state.withLockedValue { state -> [IngestTicket] in
                    state.routing = false
                    defer { state.pending.removeAll() }
                    return state.pending
                }
                logger.error("event store unavailable", metadata: ["error": "\(error)", "failedRequests": "\(failed.count)"])
                failed.forEach { $0.fail(error) }
            }
        }
    }

    /// Router loop: runs on a pool thread until nothing is queued.
    private func route(on connection: PostgresConnection) {
        while true {
            let batch = state.withLockedValue { state -> [IngestTicket]? in
                guard !state.pending.isEmpty else {
                    state.routing = false
                    return nil
                }
                let count = min(options.maxBatch, state.pending.count)
                defer { state.pending.removeFirst(count) }
                return Array(state.pending.prefix(count))
            }
            guard let batch else { return }
            do {
                dispatch(try split(batch, on: connection))
            } catch {
                logger.warning("batch not routed", metadata: ["error": "\(error)", "size": "\(batch.count)"])
                batch.forEach { $0.fail(error) }
                if !connection.isHealthy {
                    // The connection broke: hand what is still queued to a fresh router.
                    let restart = state.withLockedValue { state -> Bool in
                        guard !state.pending.isEmpty else {
                            state.routing = false
                            return false
                        }
                        return true
                    }
                    if restart { launchRouter() }
                    return
                }
            }
        }
    }

    /// Each notification's rows, one per tracking company, in order; the ones nobody tracks are
    /// kept unrouted and answered here.
    private func split(_ batch: [IngestTicket], on connection: PostgresConnection) throws -> [LaneRow] {
        // Trackers by "<platform>|<channel id>": Twitch users through `tracked_creators` (the hot
        // path, one call per batch), other platforms' channels through `tracked_channels`.
        var channelIDs: [String: Set<String>] = [:]
        for ticket in batch {
            channelIDs[ticket.notification.platform, default: []].formUnion(ticket.notification.routingUserIDs)
        }
        var trackers: [String: [(company: String, creator: String, authorizedTypes: Set<String>)]] = [:]
        for (platform, ids) in channelIDs where !ids.isEmpty {
            if platform == "twitch" {
                let rows = try connection.query(
                    "SELECT company_id, creator_id, twitch_user_id, authorized_types FROM tracked_creators($1::text[])",
                    [PostgresArray.literal(Array(ids))]).rows
                for row in rows {
                    trackers["twitch|" + (try row.require("twitch_user_id")), default: []].append(
                        (try row.require("company_id"), try row.require("creator_id"), Set(PostgresArray.parse(row["authorized_types"] ?? "{}"))))
                }
            } else {
                let rows = try connection.query(
                    "SELECT company_id, creator_id, channel_id FROM tracked_channels($1, $2::text[])",
                    [platform, PostgresArray.literal(Array(ids))]).rows
                for row in rows {
                    trackers[platform + "|" + (try row.require("channel_id")), default: []].append(
                        (try row.require("company_id"), try row.require("creator_id"), []))
                }
            }
        }
        var rows: [LaneRow] = []
        var unrouted: [IngestTicket] = []
        for ticket in batch {
            let notification = ticket.notification
            // An authorization-only event (follows, subs, cheers, chat) reaches only the agencies
            // whose creator authorized that type; another agency tracking the same broadcaster
            // without a link must not see what the creator shared with someone else.
            let needsLink = EventSubCatalog.requiresAuthorization(notification.subscriptionType)
            var byCompany: [(company: String, creators: [String])] = []
            for userID in notification.routingUserIDs {
                for tracker in trackers[notification.platform + "|" + userID] ?? [] {
                    if needsLink, !tracker.authorizedTypes.contains(notification.subscriptionType) { continue }
                    if let index = byCompany.firstIndex(where: { $0.company == tracker.company }) {
                        if !byCompany[index].creators.contains(tracker.creator) { byCompany[index].creators.append(tracker.creator) }
                    } else {
                        byCompany.append((tracker.company, [tracker.creator]))
                    }
                }
            }
            guard !byCompany.isEmpty else {
                unrouted.append(ticket)
                continue
            }
            ticket.expect(rows: byCompany.count)
            for (company, creators) in byCompany {
                let primary = trackers[notification.platform + "|" + (notification.broadcaster?.id ?? "")]?
                    .first { $0.company == company }?.creator ?? creators.first
                rows.append(LaneRow(ticket: ticket, company: company, creator: primary, creators: creators))
            }
        }
        if !unrouted.isEmpty {
            try connection.withTransaction { try storeUnrouted(unrouted.map(\.notification), on: connection) }
            unrouted.forEach { $0.keptUnrouted() }
        }
        return rows
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

    // MARK: - Lanes

    private func dispatch(_ rows: [LaneRow]) {
        let start = state.withLockedValue { state -> [Int] in
            var start: [Int] = []
            for row in rows {
                let lane = state.assign(row)
                if !state.laneActive[lane] {
                    state.laneActive[lane] = true
                    start.append(lane)
                }
            }
            return start
        }
        start.forEach(launchLane)
    }

    private func launchLane(_ lane: Int) {
        Task { [self] in
            do {
                try await postgres.withConnection { [self] connection in drain(lane: lane, on: connection) }
            } catch {
                let failed = state.withLockedValue { state -> [LaneRow] in
                    state.laneActive[lane] = false
                    let failed = state.laneQueues[lane]
                    state.laneQueues[lane].removeAll()
                    state.finished(failed, lane: lane)
                    return failed
                }
                logger.error("event store unavailable", metadata: ["error": "\(error)", "failedRows": "\(failed.count)"])
                failed.forEach { $0.ticket.fail(error) }
            }
        }
    }

    /// Lane loop: runs on a pool thread until the lane's queue is empty.
    private func drain(lane: Int, on connection: PostgresConnection) {
        while true {
            let rows = state.withLockedValue { state -> [LaneRow]? in
                guard !state.laneQueues[lane].isEmpty else {
                    state.laneActive[lane] = false
                    return nil
                }
                let count = min(options.maxBatch, state.laneQueues[lane].count)
                defer { state.laneQueues[lane].removeFirst(count) }
                return Array(state.laneQueues[lane].prefix(count))
            }
            guard let rows else { return }
            let healthy = IngestLane(ingestor: self, connection: connection).store(rows)
            // Stored and published (or failed back to their senders): the companies may move.
            state.withLockedValue { $0.finished(rows, lane: lane) }
            if !healthy {
                // The connection broke: hand what is still queued to a fresh loop.
                let restart = state.withLockedValue { state -> Bool in
                    guard !state.laneQueues[lane].isEmpty else {
                        state.laneActive[lane] = false
                        return false
                    }
                    return true
                }
                if restart { launchLane(lane) }
                return
            }
        }
    }
}
