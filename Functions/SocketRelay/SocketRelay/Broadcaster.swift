import Synchronization
import NIOCore
import BlockingIO
import Logging
import Redis
import Rooms

/// Turns Redis room messages into room broadcasts.
///
/// One PSUBSCRIBE `room:*` per relay process: every relay behind the load balancer receives every
/// room message and delivers it to its own members. Cost: each process parses every event's
/// messages (one per room it was published to) even when it has no member of that room, which
/// is a hash lookup per event loop; in exchange there is no SUBSCRIBE/UNSUBSCRIBE churn as rooms
/// gain and lose members, and no window where a just-joined room is not subscribed yet.
///
/// Each message is parsed and framed once, then handed to each event loop once.
///
/// After the subscription breaks and comes back, messages published in between are gone from
/// pub/sub: the broadcaster replays, per company with local sockets, the events Postgres received
/// since shortly before the break, before handling anything newer. Events that were delivered live
/// before the break are recognised (per-loop recent-event record) and not sent twice.
final class Broadcaster: Sendable {
    private let core: RelayCore
    private let subscriber: RedisSubscriber
    private let recovery: RecoveryService?
    /// Ids received or replayed, shared with the unpublished-event check.
    private let published: RecentlyPublished
    private let unpublishedCheck: UnpublishedEventCheck?
    private let accessSweep: AccessSweep?

    /// How far before the detected break the replay starts (commit → publish latency, detection lag).
    static let replayMarginSeconds = 10.0

    init(core: RelayCore, subscriber: RedisSubscriber, recovery: RecoveryService?, published: RecentlyPublished,
         unpublishedCheck: UnpublishedEventCheck?, accessSweep: AccessSweep? = nil) {
        self.accessSweep = accessSweep
        self.core = core
        self.subscriber = subscriber
        self.recovery = recovery
        self.published = published
        self.unpublishedCheck = unpublishedCheck
    }

    /// Consumes the subscriber until it is stopped, with the unpublished-event check and the
    /// access sweep beside it.
    /// Run in one task (cancelling it stops the check).
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            if let unpublishedCheck { group.addTask { await unpublishedCheck.run() } }
            if let accessSweep { group.addTask { await accessSweep.run() } }
            await consume()
            group.cancelAll()
        }
    }

    private func consume() async {
        var disconnectedAt: UInt64?
        var highestSeen: [String: Int64] = [:]
        let companyPrefix = RoomName.company("")
        for await event in subscriber.events {
            switch event {
            case .message(let message):
                core.metrics.redisMessages.add(1)
                guard let broadcast = BroadcastMessage(room: message.channel, eventJSON: message.payload) else {
                    core.metrics.invalidMessages.add(1)
                    continue
                }
                published.insert(broadcast.eventID, now: monotonicNanoseconds())
                if message.channel.hasPrefix(companyPrefix), broadcast.eventID > highestSeen[broadcast.companyID, default: 0] {
                    highestSeen[broadcast.companyID] = broadcast.eventID
                }
                for registry in core.registries {
                    registry.eventLoop.execute { registry.deliver(broadcast) }
                }
            case .disconnected(let reason):
                core.redisConnected.store(false, ordering: .relaxed)
                if disconnectedAt == nil {
                    disconnectedAt = monotonicNanoseconds()
                    core.logger.warning("redis subscription lost; missed events will be replayed from postgres", metadata: ["error": "\(reason)"])
                }
            case .subscribed:
                core.redisConnected.store(true, ordering: .relaxed)
                if let since = disconnectedAt {
                    disconnectedAt = nil
                    core.metrics.redisReconnects.add(1)
                    let seconds = Double(monotonicNanoseconds() - since) / 1e9 + Self.replayMarginSeconds
                    await replayGap(seconds: seconds, highestSeen: highestSeen)
                } else {
                    core.logger.info("redis subscription active", metadata: ["pattern": "\(RoomName.allRooms)"])
                }
            }
        }
    }

    /// Runs inline, so live messages that arrive meanwhile wait in the subscriber's stream and
    /// reach the event loops after the replayed ones (order preserved).
    private func replayGap(seconds: Double, highestSeen: [String: Int64]) async {
        guard let recovery else { return }
        core.metrics.gapReplays.add(1)
        let companies = await core.companiesWithMembers()
        var results: [String: [RecoveryService.ReplayedEvent]?] = [:]
        await withTaskGroup(of: (String, [RecoveryService.ReplayedEvent]?).self) { group in
            var pending = Array(companies)
            let width = 4
            func startNext() {
                guard let company = pending.popLast() else { return }
                let floor = max(0, highestSeen[company, default: 0] - 10_000)
                group.addTask {
                    let events = try? await recovery.recent(companyID: company, seconds: seconds, floorID: floor)
                    return (company, events ?? nil)
                }
            }
            for _ in 0..<width { startNext() }
            while let (company, events) = await group.next() {
                results[company] = .some(events)
                startNext()
            }
        }
        let total = results.values.reduce(0) { $0 + ($1?.count ?? 0) }
        core.metrics.gapEventsReplayed.add(total)
        core.logger.info("replaying events missed during the redis outage",
                         metadata: ["companies": "\(companies.count)", "events": "\(total)", "windowSeconds": "\(Int(seconds))"])
        let stamp = monotonicNanoseconds()
        for events in results.values { for event in events ?? [] { published.insert(event.id, now: stamp) } }
        let snapshot = results
        for registry in core.registries {
            registry.eventLoop.execute {
                for (company, events) in snapshot {
                    guard let events else {
                        // Unknown what was missed: make these clients reconnect and recover by event id.
                        registry.closeCompany(company, reason: .replayFailed)
                        continue
                    }
                    registry.deliverReplayed(events, companyID: company)
                }
            }
        }
    }
}
