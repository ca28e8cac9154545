/// The main-namespace socket's recovery and late-delivery state.
struct RecoveryState {
    /// Live events that arrive while this socket's recovery replay is being fetched.
    var replayBuffer: [BroadcastMessage]?
    /// The highest event id this socket's own recovery replayed (a later replay skips up to it).
    var recoveredThrough: Int64 = 0
    /// Append the event id as the Socket.IO offset argument (connection-state-recovery clients).
    var wantsOffsets = false
    /// Wall-clock seconds of the socket's CONNECT.
    var connectedAt = Double.infinity

    /// Whether a live event is not one this socket's recovery already replayed. The replay read
    /// every event of the company committed when it ran, and a webhook publishes after its COMMIT:
    /// an event committed before the replay but published after it arrives live once more (seen
    /// under kill -9 of a relay with webhooks under load). Ids commit in order per company, so
    /// every live event up to the highest replayed id is such a copy.
    func isNew(_ message: BroadcastMessage) -> Bool {
        message.eventID > recoveredThrough
    }

    /// Whether an event delivered late (outage replay, stored-but-unpublished) is this socket's:
    /// only events stored after its CONNECT. Older ones it either had from REST when it started
    /// (a socket that did not ask for recovery) or got in its own replay (one that did: every
    /// event after its last id that was committed when the replay ran, which — ids being
    /// committed in order per company — includes every older one).
    func acceptsLate(_ message: BroadcastMessage) -> Bool {
        message.eventID > recoveredThrough && message.storedAt >= connectedAt
    }
}
