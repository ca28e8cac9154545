import Synchronization

/// A process-wide counter (relaxed atomic: totals only, no ordering needed).
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func add(_ amount: Int) { value.wrappingAdd(amount, ordering: .relaxed) }
    var current: Int { value.load(ordering: .relaxed) }
}

/// Process-wide counters. Per-socket counters (deliveries, slow consumers) live in each event
/// loop's registry and are summed when `/metrics` is read, so the fan-out path touches no atomics.
final class RelayMetrics: Sendable {
    let redisMessages = Counter()
    let redisReconnects = Counter()
    let invalidMessages = Counter()
    let recoveries = Counter()
    let recoveriesRefused = Counter()
    let gapReplays = Counter()
    let gapEventsReplayed = Counter()
    let unpublishedEventsDelivered = Counter()
    let streamCheckFailures = Counter()
    let sessionsOpened = Counter()
    let authFailures = Counter()

    /// Prometheus text exposition format (version 0.0.4), written by hand.
    func render(_ loops: [RoomRegistry.Snapshot], redisConnected: Bool) -> String {
        var sessions = 0, sockets = 0, rooms = 0, delivered = 0, slow = 0
        var closed: [String: Int] = [:]
        for loop in loops {
            sessions += loop.sessions
            sockets += loop.connectedSockets
            rooms += loop.rooms
            delivered += loop.delivered
            slow += loop.slowConsumersDropped
            for (reason, count) in loop.closedByReason { closed[reason, default: 0] += count }
        }
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ value: Int) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        metric("connected_sockets", "gauge", "Socket.IO sockets connected to the main namespace.", sockets)
        metric("engineio_sessions", "gauge", "Open Engine.IO sessions (connected or not).", sessions)
        metric("rooms", "gauge", "Rooms with at least one local member (summed over event loops).", rooms)
        metric("messages_delivered_total", "counter", "Events written to sockets (live, recovery and outage replay).", delivered)
        metric("slow_consumers_dropped_total", "counter", "Connections closed because their outgoing buffer went over the bound.", slow)
        metric("redis_reconnects_total", "counter", "Times the Redis subscription was re-established after breaking.", redisReconnects.current)
        metric("redis_connected", "gauge", "1 while the Redis subscription is active.", redisConnected ? 1 : 0)
        metric("redis_messages_total", "counter", "Room messages received from Redis.", redisMessages.current)
        metric("invalid_messages_total", "counter", "Redis messages dropped as not a compact event or not of the room's company.", invalidMessages.current)
        metric("recoveries_total", "counter", "Reconnects whose missed events were replayed from Postgres.", recoveries.current)
        metric("recoveries_refused_total", "counter", "Recovery requests refused (unknown id, outside the window, too many events, database error).", recoveriesRefused.current)
        metric("outage_replays_total", "counter", "Replays of missed events after a Redis outage.", gapReplays.current)
        metric("outage_replayed_events_total", "counter", "Events fetched from Postgres by outage replays.", gapEventsReplayed.current)
        metric("unpublished_events_delivered_total", "counter", "Events found in Postgres that never came through Redis (stored but not published), delivered late.", unpublishedEventsDelivered.current)
        metric("stream_check_failures_total", "counter", "Checks for unpublished events that could not query Postgres.", streamCheckFailures.current)
        metric("engineio_sessions_opened_total", "counter", "Engine.IO sessions opened.", sessionsOpened.current)
        metric("auth_failures_total", "counter", "CONNECTs refused for a missing or invalid token.", authFailures.current)
        text += "# HELP engineio_sessions_closed_total Engine.IO sessions closed, by reason.\n# TYPE engineio_sessions_closed_total counter\n"
        for reason in closed.keys.sorted() { text += "engineio_sessions_closed_total{reason=\"\(reason)\"} \(closed[reason]!)\n" }
        return text
    }
}
