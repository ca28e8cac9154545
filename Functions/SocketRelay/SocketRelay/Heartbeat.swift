import BlockingIO
import NIOCore

/// Engine.IO v4 heartbeat of one session: the server pings every `pingInterval`, and a pong must
/// come within `pingTimeout` (monotonic nanoseconds).
///
/// The loop's shared timer walks its sessions every tick (a quarter of the shortest interval);
/// a deadline that falls before the next tick gets a one-shot timer of its own, so pings and
/// timeouts happen on time (the protocol suite gives no slack: a 200 ms timeout closed 50 ms
/// late failed it) while a socket far from its deadlines holds no timer.
struct Heartbeat {
    let intervalNanoseconds: UInt64
    let timeoutNanoseconds: UInt64
    private(set) var awaitingPong = false
    private(set) var pingDeadline: UInt64 = 0
    private(set) var nextPingAt: UInt64
    var exactTimer: Scheduled<Void>?

    enum Due {
        case nothing, ping, timedOut
    }

    init(now: UInt64, pingIntervalMilliseconds: Int, pingTimeoutMilliseconds: Int) {
        intervalNanoseconds = UInt64(pingIntervalMilliseconds) * 1_000_000
        timeoutNanoseconds = UInt64(pingTimeoutMilliseconds) * 1_000_000
        nextPingAt = now + intervalNanoseconds
    }

    /// The next moment something is due.
    var nextDeadline: UInt64 { awaitingPong ? pingDeadline : nextPingAt }

    /// What to do now; a ping is accounted for as sent.
    mutating func due(now: UInt64) -> Due {
        if awaitingPong {
            return now >= pingDeadline ? .timedOut : .nothing
        }
        guard now >= nextPingAt else { return .nothing }
        awaitingPong = true
        // Counted from when the ping was due, so a ping sent late (a busy loop) does not push the
        // session's end past pingInterval + pingTimeout; the client keeps at least half the timeout.
        pingDeadline = max(nextPingAt + timeoutNanoseconds, now + timeoutNanoseconds / 2)
        nextPingAt = now + intervalNanoseconds
        return .ping
    }

    mutating func pongReceived() {
        awaitingPong = false
    }

    mutating func cancelExactTimer() {
        exactTimer?.cancel()
        exactTimer = nil
    }
}

extension Session {
    /// Called by the loop's timer every tick (`horizon`: when the next tick comes).
    func tick(now: UInt64, wallNow: Double, horizon: UInt64) {
        guard !isClosed else { return }
        if namespaces.connectTimedOut(now: now) {
            close(.connectTimeout)
            return
        }
        runHeartbeat(now: now)
        guard !isClosed else { return }
        armExactHeartbeat(now: now, horizon: horizon)
        if probe.timedOut(now: now) {
            // The upgrade never completed (no `5`): drop the probe socket, keep polling.
            probe.abandon(code: 1002)
        }
        if socketID != nil && token.hasExpired(wallNow: wallNow) {
            sendPacket(SocketIOPacket.encode(.disconnect))
            close(.tokenExpired)
        }
    }

    /// A request on a session whose pong is overdue finds the session closed, even when the timer
    /// that closes it has not fired yet (timers run late on a loaded machine; the protocol suite
    /// asks at exactly pingInterval + pingTimeout and expects the session gone).
    func closeIfPongOverdue() {
        guard !isClosed, heartbeat.awaitingPong, monotonicNanoseconds() >= heartbeat.pingDeadline else { return }
        close(.pingTimeout)
    }

    private func runHeartbeat(now: UInt64) {
        switch heartbeat.due(now: now) {
        case .nothing:
            break
        case .ping:
            sendPacket("2")
        case .timedOut:
            close(.pingTimeout)
        }
    }

    private func armExactHeartbeat(now: UInt64, horizon: UInt64) {
        let deadline = heartbeat.nextDeadline
        guard heartbeat.exactTimer == nil, deadline < horizon else { return }
        heartbeat.exactTimer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(deadline > now ? deadline - now : 0))) {
            self.heartbeat.exactTimer = nil
            guard !self.isClosed else { return }
            let now = monotonicNanoseconds()
            self.runHeartbeat(now: now)
        }
    }
}
