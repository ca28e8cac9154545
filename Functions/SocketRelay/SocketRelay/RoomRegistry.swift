import BlockingIO
import NIOCore
import Rooms

/// A room's members on one event loop. Membership lives per event loop, so fan-out touches no
/// lock: a broadcast hops to each loop once and walks that loop's members.
final class Room {
    let name: String
    /// Set for `room:company:{id}` rooms: every member's token is for this company.
    let companyID: String?
    var members: ContiguousArray<Session> = []
    /// Events waiting for this loop's next flush (company rooms only; see `RoomRegistry.writeBatches`).
    var pending: [BroadcastMessage] = []

    init(name: String) {
        self.name = name
        let prefix = RoomName.company("")
        companyID = name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : nil
    }
}

/// A session's place in a room's member array (for O(1) swap-removal).
struct Membership {
    let room: Room
    var index: Int
}

/// Everything one event loop owns: its sessions (for the shared heartbeat timer), its rooms, the
/// recent-event record, the WebSocket links to flush at the end of the current tick, counters.
/// Only ever touched on `eventLoop`.
final class RoomRegistry: @unchecked Sendable {
    let eventLoop: any EventLoop
    let core: RelayCore
    private(set) var sessions: ContiguousArray<Session> = []
    private(set) var rooms: [String: Room] = [:]
    private var recent = RecentEvents()
    private var flushList: [WebSocketLink] = []
    private var flushScheduled = false
    private var lastFlushAt: UInt64 = 0
    /// Company rooms with events in `pending`, in the order they got their first one.
    private var batchedRooms: [Room] = []
    private var timer: RepeatedTask?

    // Counters (read by /metrics through `snapshot()` on this loop).
    var delivered = 0
    var slowConsumersDropped = 0
    var closedByReason: [String: Int] = [:]
    var connectedSockets = 0

    init(eventLoop: any EventLoop, core: RelayCore) {
        self.eventLoop = eventLoop
        self.core = core
    }

    // MARK: sessions

    func add(_ session: Session) {
        session.loopIndex = sessions.count
        sessions.append(session)
    }

    func remove(_ session: Session) {
        let index = session.loopIndex
        guard index >= 0, index < sessions.count, sessions[index] === session else { return }
        let last = sessions.removeLast()
        if index < sessions.count {
            sessions[index] = last
            last.loopIndex = index
        }
        session.loopIndex = -1
    }

    // MARK: rooms

    func join(_ session: Session, room name: String) {
        // A new member must not get events that arrived before it joined.
        writeBatches()
        if session.memberships.contains(where: { $0.room.name == name }) { return }
        let room: Room
        if let existing = rooms[name] { room = existing } else {
            room = Room(name: name)
            rooms[name] = room
        }
        room.members.append(session)
        session.memberships.append(Membership(room: room, index: room.members.count - 1))
    }

    func leave(_ session: Session, room name: String) {
        guard let position = session.memberships.firstIndex(where: { $0.room.name == name }) else { return }
        // A leaving member still gets the events that arrived while it was in the room.
        writeBatches()
        let membership = session.memberships.remove(at: position)
        let room = membership.room
        let last = room.members.removeLast()
        if membership.index < room.members.count {
            room.members[membership.index] = last
            if let other = last.memberships.firstIndex(where: { $0.room === room }) {
                last.memberships[other].index = membership.index
            }
        }
        if room.members.isEmpty { rooms[name] = nil }
    }

    func leaveAll(_ session: Session) {
        while let name = session.memberships.last?.room.name { leave(session, room: name) }
    }

    // MARK: fan-out

    /// Delivers one broadcast to this loop's members of its room. `replay` marks events replayed
    /// from Postgres after a Redis outage (sessions that recovered past them are skipped).
    ///
    /// The common case, a live event for a company room that went to no other room before, is
    /// batched: the room's events are concatenated once at the next flush and each member gets
    /// one write of the whole batch, instead of one write per event (per-write channel bookkeeping
    /// was a quarter of the relay's time at 500,000 deliveries/s).
    func deliver(_ message: BroadcastMessage, replay: Bool = false) {
        guard let earlierRooms = recent.record(message.eventID, room: message.room, now: monotonicNanoseconds()) else { return }
        guard let room = rooms[message.room] else { return }
        if let company = room.companyID, company != message.companyID {
            // A company room only ever carries its own company's events; anything else is dropped.
            core.metrics.invalidMessages.add(1)
            return
        }
        if !replay && earlierRooms.isEmpty && room.companyID != nil {
            if room.pending.isEmpty { batchedRooms.append(room) }
            room.pending.append(message)
            scheduleFlush()
            return
        }
        // Per-socket order: batched events first.
        writeBatches()
        let checkCompany = room.companyID == nil
        for session in room.members {
            if checkCompany && session.companyID != message.companyID { continue }
            if !earlierRooms.isEmpty && session.memberships.contains(where: { earlierRooms.contains($0.room.name) }) { continue }
            if replay && !session.recovery.acceptsLate(message) { continue }
            session.deliver(message)
        }
    }

    /// Hands the batched company-room events to the sockets (written, not yet flushed). Runs
    /// before anything else is written to a socket of this loop, before membership changes, and
    /// at the flush, so each socket still sees its packets in order.
    func writeBatches() {
        guard !batchedRooms.isEmpty else { return }
        let batch = batchedRooms
        batchedRooms.removeAll(keepingCapacity: true)
        for room in batch {
            let messages = room.pending
            room.pending.removeAll(keepingCapacity: true)
            var plain: ByteBuffer?
            var withOffsets: ByteBuffer?
            var lowestID = Int64.max
            for message in messages where message.eventID < lowestID { lowestID = message.eventID }
            for session in room.members {
                guard session.acceptsBatchedWrites, session.recovery.recoveredThrough < lowestID else {
                    // Polling, recovering, closing, or recovered past some of these: the per-event
                    // path with its checks.
                    for message in messages { session.deliver(message) }
                    continue
                }
                if session.recovery.wantsOffsets {
                    if withOffsets == nil { withOffsets = Self.concatenate(messages, withOffsets: true) }
                    session.writeBatch(withOffsets!, events: messages.count)
                } else {
                    if plain == nil { plain = Self.concatenate(messages, withOffsets: false) }
                    session.writeBatch(plain!, events: messages.count)
                }
            }
        }
    }

    /// The events' WebSocket frames back to back (one event: its own frame, no copy).
    private static func concatenate(_ messages: [BroadcastMessage], withOffsets: Bool) -> ByteBuffer {
        if messages.count == 1 { return messages[0].frame(withOffset: withOffsets).0 }
        var total = 0
        for message in messages { total += message.frame(withOffset: withOffsets).0.readableBytes }
        var buffer = ByteBufferAllocator().buffer(capacity: total)
        for message in messages { buffer.writeImmutableBuffer(message.frame(withOffset: withOffsets).0) }
        return buffer
    }

    /// Events fetched from Postgres (outage replay, unpublished-event check) as replayed
    /// broadcasts of their company room.
    func deliverReplayed(_ events: [RecoveryService.ReplayedEvent], companyID: String) {
        let room = RoomName.company(companyID)
        for event in events {
            deliver(BroadcastMessage(room: room, eventID: event.id, companyID: companyID, eventJSON: event.json, storedAt: event.storedAt),
                    replay: true)
        }
    }

    /// Company ids with at least one connected socket here (for the post-outage replay).
    func companiesWithMembers() -> Set<String> {
        var companies = Set<String>()
        for room in rooms.values { if let company = room.companyID { companies.insert(company) } }
        return companies
    }

    /// Closes every session of a company on this loop (its replay failed: it reconnects and recovers).
    func closeCompany(_ companyID: String, reason: CloseReason) {
        guard let room = rooms[RoomName.company(companyID)] else { return }
        for session in room.members { session.close(reason) }
    }

    // MARK: writes

    /// Writes a frame to a WebSocket; flushed with this loop's other sockets at the end of the
    /// tick, or, when the loop flushed less than `flushIntervalMicroseconds` ago, when that
    /// interval is up. So a burst of broadcasts costs one syscall per socket, not one per message.
    func write(_ frame: ByteBuffer, to link: WebSocketLink) {
        if link.eventLoop === eventLoop {
            link.write(frame)
            if !link.needsFlush {
                link.needsFlush = true
                flushList.append(link)
                scheduleFlush()
            }
        } else {
            // An upgraded polling session whose WebSocket was accepted on another loop.
            link.eventLoop.execute {
                link.write(frame)
                link.flush()
            }
        }
    }

    /// Writes and flushes one frame now, on its own, then holds the loop's next flush back for
    /// `connectReplyGapMicroseconds`, so what the session sends next reaches the peer in a later read
    /// (see `Session.sendPacketAlone`). Whatever was waiting for this loop's flush goes first.
    func writeAlone(_ frame: ByteBuffer, to link: WebSocketLink) {
        guard link.eventLoop === eventLoop else {
            write(frame, to: link)
            return
        }
        flushAll()
        link.write(frame)
        link.flush()
        flushNotBefore = monotonicNanoseconds() + UInt64(core.configuration.connectReplyGapMicroseconds) * 1_000
    }

    private var flushNotBefore: UInt64 = 0

    private func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        let now = monotonicNanoseconds()
        let due = max(lastFlushAt + UInt64(core.configuration.flushIntervalMicroseconds) * 1_000, flushNotBefore)
        if now >= due {
            eventLoop.execute { self.flushAll() }
        } else {
            eventLoop.scheduleTask(in: .nanoseconds(Int64(due - now))) { self.flushAll() }
        }
    }

    private func flushAll() {
        writeBatches()
        flushScheduled = false
        lastFlushAt = monotonicNanoseconds()
        let links = flushList
        flushList.removeAll(keepingCapacity: true)
        for link in links {
            link.needsFlush = false
            link.flush()
        }
    }

    // MARK: heartbeat, connect and token timeouts

    func startTimer() {
        let configuration = core.configuration
        let tick = max(20, min(configuration.pingIntervalMilliseconds, configuration.pingTimeoutMilliseconds, 1_000) / 4)
        tickNanoseconds = UInt64(tick) * 1_000_000
        timer = eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(Int64(tick)), delay: .milliseconds(Int64(tick))) { _ in
            self.tickTimers()
        }
    }

    private var tickNanoseconds: UInt64 = 0

    func stopTimer() {
        timer?.cancel()
        timer = nil
    }

    private func tickTimers() {
        let now = monotonicNanoseconds()
        let wallNow = wallClockSeconds()
        // A deadline before the next tick (plus a little: ticks run late) gets an exact timer.
        let horizon = now + tickNanoseconds + tickNanoseconds / 2
        for session in sessions { session.tick(now: now, wallNow: wallNow, horizon: horizon) }
    }

    // MARK: metrics

    struct Snapshot: Sendable {
        var sessions = 0
        var connectedSockets = 0
        var rooms = 0
        var delivered = 0
        var slowConsumersDropped = 0
        var closedByReason: [String: Int] = [:]
    }

    func snapshot() -> Snapshot {
        Snapshot(sessions: sessions.count, connectedSockets: connectedSockets, rooms: rooms.count, delivered: delivered,
                 slowConsumersDropped: slowConsumersDropped, closedByReason: closedByReason)
    }
}
