import EventSub
import JobQueue
import JSONValue
import Logging
import Postgres
import Rooms

/// One lane's turn: stores a batch of rows (each one company's row of one notification, every
/// company of this lane's share) in one transaction, answers the notifications whose every lane
/// is done, then publishes.
///
/// In one transaction: the companies' stream locks (`lockStreams`), one `store_event_rows` call for
/// every row (migration 5: each row stored only if its creator tracks one of the notification's
/// users), live-status upserts in each company's tenant scope; COMMIT; answer; PUBLISH in id
/// order; enqueue the `notify` jobs of the notification outbox that the same transaction wrote
/// (`writeOutbox`); unlock. If the batch fails with a query error it is retried row by row, so one
/// bad notification cannot fail its neighbours; a row that fails alone is dead-lettered.
struct IngestLane {
    let ingestor: EventIngestor
    let connection: PostgresConnection

    /// Stores `rows` and answers their notifications; false when the connection broke.
    func store(_ rows: [EventIngestor.LaneRow]) -> Bool {
        do {
            try write(rows)
        } catch let error as PostgresError where error.isTransient {
            // A stream lock not had in time (or a deadlock): nothing wrong with the events;
            // their senders get 503 and redeliver.
            ingestor.logger.warning("batch not stored, retryable", metadata: ["error": "\(error)", "size": "\(rows.count)"])
            rows.forEach { $0.ticket.fail(error) }
        } catch let error as PostgresError where error.kind == .query {
            if rows.count > 1 {
                ingestor.logger.warning("batch failed, retrying one by one", metadata: ["error": "\(error)", "size": "\(rows.count)"])
            }
            rows.forEach(writeAlone)
        } catch {
            rows.forEach { $0.ticket.fail(error) }
        }
        return connection.isHealthy
    }

    /// One row in its own transaction; if Postgres refuses it (not a connection problem), the
    /// notification is dead-lettered so that Twitch's retries do not turn one bad payload into an
    /// outage.
    private func writeAlone(_ row: EventIngestor.LaneRow) {
        do {
            try write([row])
        } catch let error as PostgresError where error.kind == .query && !error.isTransient {
            let n = row.ticket.notification
            ingestor.logger.error("notification refused by the database; dead-lettered",
                                  metadata: ["messageId": "\(n.messageID)", "type": "\(n.subscriptionType)", "error": "\(error)"])
            do {
                try connection.query("""
                    INSERT INTO eventsub_dead_letters (twitch_message_id, subscription_type, error, body)
                    VALUES ($1, $2, $3, $4) ON CONFLICT (twitch_message_id) DO NOTHING
                    """, [n.messageID, n.subscriptionType, error.description, String(decoding: n.rawBody, as: UTF8.self)])
                row.ticket.rowFinished(stored: nil, deadLettered: true)
            } catch {
                row.ticket.fail(error)
            }
        } catch {
            row.ticket.fail(error)
        }
    }

    /// Stores one batch in one transaction, answers, then publishes.
    private func write(_ rows: [EventIngestor.LaneRow]) throws {
        var stored: [String: CompactEvent] = [:]
        var deliveries: [RoomPublisher.Delivery] = []
        var notifications: [NotifyRequest.Delivery] = []
        var holdsStreamLocks = false
        // The unlock is not waited for: Postgres releases the locks when it reads it, and its
        // answer is read before this connection's next statement.
        defer { if holdsStreamLocks { _ = try? connection.finishLazily("SELECT pg_advisory_unlock_all()") } }

        // The same message twice (a redelivery racing the original): the first copy is inserted,
        // the other reports a duplicate.
        var seen: Set<String> = []
        let unique = rows.filter { seen.insert("\($0.company)|\($0.ticket.notification.messageID)").inserted }
        try connection.withTransaction {
            // Set first: a lock timeout part-way leaves the locks already taken to release.
            holdsStreamLocks = true
            try lockStreams(of: Array(Set(unique.map(\.company))))
            stored = try storeEvents(unique)
            notifications = try writeOutbox(for: stored.values)
            var statusEffects: [String: [CompactEvent]] = [:]
            for row in unique {
                guard let event = stored["\(row.company)|\(row.ticket.notification.messageID)"] else { continue }
                deliveries.append(RoomPublisher.Delivery(event: event, creatorIDs: row.creators))
                if Self.changesStatus(event) { statusEffects[row.company, default: []].append(event) }
            }
            for (company, events) in statusEffects {
                try connection.setTenant(company)
                for event in events.sorted(by: { $0.id < $1.id }) { try applyStatusEffect(of: event) }
            }
        }

        // Callers first (their 2xx only needs the commit), then one pipelined PUBLISH round trip,
        // in id order: per company that is commit order (the stream locks).
        for row in rows {
            // A row deduped above answers its own ticket as a duplicate.
            let event = stored.removeValue(forKey: "\(row.company)|\(row.ticket.notification.messageID)")
            row.ticket.rowFinished(stored: event)
        }
        deliveries.sort { $0.event.id < $1.event.id }
        ingestor.publisher?.publishBlocking(deliveries)
        ingestor.enqueueNotifications(notifications)
    }

    /// The notification outbox (migration 11): one `notification_outbox` call for the batch's
    /// stored events of the types a destination can announce, inside the events' transaction, so
    /// a notification exists exactly when its event does and a redelivery (deduped by
    /// `store_event_rows`) never gets here. Returns the pending deliveries, whose `notify` jobs go out
    /// after COMMIT. A batch of follows and chat lines makes no call at all.
    private func writeOutbox(for events: Dictionary<String, CompactEvent>.Values) throws -> [NotifyRequest.Delivery] {
        var batch = ""
        for event in events where NotifyRequest.eventTypes.contains(event.type) {
            batch += batch.isEmpty ? "[{\"e\":\(event.id),\"k\":" : ",{\"e\":\(event.id),\"k\":"
            JSONWriter.writeString(event.companyID, into: &batch)
            batch += ",\"c\":"
            if let creator = event.creatorID { JSONWriter.writeString(creator, into: &batch) } else { batch += "null" }
            batch += ",\"t\":"
            JSONWriter.writeString(event.type, into: &batch)
            // Only the numbers the rules compare (bits, gift total, raiders), as integers: the
            // function casts them, and a cast error would fail the events' own transaction.
            batch += ",\"d\":{"
            var first = true
            let data = event.data
            for key in ["bits", "total", "viewers"] {
                guard let number = data[key]?.int64Value else { continue }
                batch += first ? "\"\(key)\":\(number)" : ",\"\(key)\":\(number)"
                first = false
            }
            batch += "}}"
        }
        guard !batch.isEmpty else { return [] }
        batch += "]"
        let result = try connection.query(
            "SELECT delivery_id, company_id FROM notification_outbox($1::jsonb) WHERE delivery_id IS NOT NULL", [batch])
        return try result.rows.map { NotifyRequest.Delivery(id: try $0.requireInt64("delivery_id"), companyID: try $0.require("company_id")) }
    }

    /// Takes each company's stream lock (a session-level advisory lock, in key order so two
    /// writers cannot deadlock), held from before the INSERT until after the PUBLISH.
    ///
    /// Why: event ids come from one sequence at INSERT time. Two writers (lanes of two webhook
    /// instances; a process's own lanes never share a company) storing the same company's events concurrently could commit and
    /// publish them out of id order; a dashboard that saw id 101 and reconnects with
    /// `lastEventId: 101` would then never get id 100 (recovery replays ids above 101). Under the
    /// lock, per company, id order = commit order = publish order. (The hash seed 7001 keeps these
    /// keys apart from other advisory lock users.)
    ///
    /// A holder that stops answering must not keep its locks: the wait is bounded by
    /// `lock_timeout` (this transaction only), and the server probes this session's TCP peer
    /// (keepalive after 10 s idle, every 5 s, 3 misses), so a dead process's locks go in ~25 s.
    ///
    /// Both statements are sent ahead: they go out with BEGIN and `store_event_rows` in one round
    /// trip, in order, and a lock not had in time is thrown by `store_event_rows`' query.
    private func lockStreams(of companies: [String]) throws {
        connection.sendAhead("""
            SELECT set_config('lock_timeout', $1, true), set_config('tcp_keepalives_idle', '10', false),
                   set_config('tcp_keepalives_interval', '5', false), set_config('tcp_keepalives_count', '3', false)
            """, ["\(ingestor.options.streamLockTimeoutMilliseconds)ms"])
        connection.sendAhead("""
            SELECT count(pg_advisory_lock(k)) AS locked
            FROM (SELECT DISTINCT hashtextextended(c, 7001) AS k FROM unnest($1::text[]) AS c ORDER BY k) AS ordered
            """, [PostgresArray.literal(companies)])
    }


    /// One statement for the whole batch (`store_event_rows`, migrations 14 and 20): each row names
    /// its company, creator and notification, and the function stores it only if that creator
    /// tracks one of the notification's routing users. Each notification travels once however
    /// many companies it is stored for (a storm stores each for three), with its raw body embedded
    /// verbatim (it was parsed, so it is valid JSON). Postgres answers only what it decided (id,
    /// normalized event time, receive time); the rest of each event is what was sent, its `data`
    /// written once per notification in the form `data::text` reads back as. Returns the stored
    /// rows keyed by `company|message id`.
    private func storeEvents(_ rows: [EventIngestor.LaneRow]) throws -> [String: CompactEvent] {
        guard !rows.isEmpty else { return [:] }
        var notifications = "["
        var targets = "["
        var positions: [ObjectIdentifier: Int] = [:]
        var sent: [String: (notification: NormalizedNotification, data: CanonicalJSON)] = [:]
        func field(_ key: String, _ text: String?) {
            notifications += ",\"\(key)\":"
            if let text { JSONWriter.writeString(text, into: &notifications) } else { notifications += "null" }
        }
        for (index, row) in rows.enumerated() {
            let position: Int
            if let known = positions[ObjectIdentifier(row.ticket)] {
                position = known
            } else {
                position = positions.count
                positions[ObjectIdentifier(row.ticket)] = position
                let n = row.ticket.notification
                sent[n.messageID] = (n, CanonicalJSON(n.data))
                notifications += position > 0 ? ",{\"m\":" : "{\"m\":"
                JSONWriter.writeString(n.messageID, into: &notifications)
                field("t", n.subscriptionType)
                field("v", n.subscriptionVersion)
                field("b", n.broadcaster?.id)
                field("o", n.occurredAt)
                field("s", n.source)
                if n.platform != "twitch" { field("pf", n.platform) }
                notifications += ",\"d\":"
                JSONWriter.write(n.data, into: &notifications)
                notifications += ",\"u\":["
                for (offset, userID) in n.routingUserIDs.enumerated() {
                    if offset > 0 { notifications += "," }
                    JSONWriter.writeString(userID, into: &notifications)
                }
                notifications += "],\"p\":"
                notifications += String(decoding: n.rawBody, as: UTF8.self)
                notifications += "}"
            }
            targets += index > 0 ? ",{\"i\":\(index),\"k\":" : "{\"i\":\(index),\"k\":"
            JSONWriter.writeString(row.company, into: &targets)
            targets += ",\"c\":"
            if let creator = row.creator { JSONWriter.writeString(creator, into: &targets) } else { targets += "null" }
            targets += ",\"n\":\(position)}"
        }
        notifications += "]"
        targets += "]"
        let result = try connection.query("SELECT * FROM store_event_rows($1::jsonb, $2::jsonb)", [notifications, targets])
        let id = try result.column("id"), company = try result.column("company_id"), messageID = try result.column("twitch_message_id")
        let occurredAt = try result.column("occurred_at_text"), receivedAt = try result.column("received_at_text")
        var creators: [String: String?] = [:]
        for row in rows { creators["\(row.company)|\(row.ticket.notification.messageID)"] = row.creator }
        var stored: [String: CompactEvent] = [:]
        for row in result.rows {
            let key = "\(try row.require(company))|\(try row.require(messageID))"
            guard let (n, data) = sent[try row.require(messageID)], let creator = creators[key] else {
                throw PostgresError(kind: .query, message: "store_event_rows returned a row that was not sent: \(key)")
            }
            stored[key] = CompactEvent(
                id: try row.requireInt64(id), companyID: try row.require(company), creatorID: creator, type: n.subscriptionType,
                version: n.subscriptionVersion, source: n.source, occurredAt: try row.require(occurredAt),
                receivedAt: try row.require(receivedAt), broadcasterUserID: n.broadcaster?.id, data: data, platform: n.platform)
        }
        return stored
    }

    static func changesStatus(_ event: CompactEvent) -> Bool {
        event.creatorID != nil && (event.type == "stream.online" || event.type == "stream.offline" || event.type == "channel.update")
    }

    /// Live status follows stream.online / stream.offline / channel.update, guarded by the event
    /// time so that a late redelivery cannot roll the tile back. Twitch's is the creator's
    /// `creator_status`; another platform's is its channel row's.
    func applyStatusEffect(of event: CompactEvent) throws {
        guard let creator = event.creatorID else { return }
        guard event.platform == "twitch" else { return try applyChannelStatusEffect(of: event, creator: creator) }
        let data = event.data
        switch event.type {
        case "stream.online":
            try connection.query("""
                INSERT INTO creator_status (creator_id, company_id, live, started_at, viewer_count, live_changed_at, last_event_id)
                VALUES ($1, $2, true, COALESCE($3::timestamptz, $4::timestamptz), 0, $4::timestamptz, $5)
                ON CONFLICT (creator_id) DO UPDATE SET
                    live = true, started_at = EXCLUDED.started_at, viewer_count = 0,
                    live_changed_at = EXCLUDED.live_changed_at, last_event_id = EXCLUDED.last_event_id, updated_at = now()
                WHERE creator_status.live_changed_at IS NULL OR creator_status.live_changed_at <= EXCLUDED.live_changed_at
                """, [creator, event.companyID, data["startedAt"]?.stringValue, event.occurredAt, event.id])
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
                """, [creator, event.companyID, data["title"]?.stringValue, data["categoryId"]?.stringValue,
                      data["categoryName"]?.stringValue, event.occurredAt, event.id])
        default:
            return
        }
    }

    /// A YouTube or Rumble channel's live state (`creator_channels`), with the same event-time
    /// guard. `data` carries `streamId`, `title`, `viewers` and `startedAt` as the platform
    /// reported them.
    private func applyChannelStatusEffect(of event: CompactEvent, creator: String) throws {
        guard let channel = event.broadcasterUserID else { return }
        let live = event.type == "stream.online"
        guard live || event.type == "stream.offline" else { return }
        let data = event.data
        try connection.query("""
            UPDATE creator_channels SET
                live = $4, live_stream_id = CASE WHEN $4 THEN $5 END, title = COALESCE($6, title),
                viewer_count = CASE WHEN $4 THEN COALESCE($7::integer, 0) ELSE 0 END,
                started_at = CASE WHEN $4 THEN COALESCE($8::timestamptz, $9::timestamptz) END,
                live_changed_at = $9::timestamptz, checked_at = now()
            WHERE company_id = $1 AND creator_id = $2 AND platform = $3 AND channel_id = $10
              AND (live_changed_at IS NULL OR live_changed_at <= $9::timestamptz)
            """, [event.companyID, creator, event.platform, live ? "true" : "false", data["streamId"]?.stringValue,
                  data["title"]?.stringValue, data["viewers"]?.int64Value.map { String($0) },
                  data["startedAt"]?.stringValue, event.occurredAt, channel])
    }
}
