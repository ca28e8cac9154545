public import Rooms
import NIOConcurrencyHelpers
import EventSub

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

/// One caller's notification from `ingest()` until it is answered: once every one of its rows
/// (one per tracking company, each in its company's lane) has committed (or, for a notification nobody tracks, once it is kept in
/// `eventsub_unrouted`). The first failure answers it with that error; what other lanes
/// committed for it stays stored, and the redelivery that the error causes is a duplicate there.
final class IngestTicket: Sendable {
    let notification: NormalizedNotification

    private struct State {
        var continuation: CheckedContinuation<IngestOutcome, any Error>?
        var remainingRows = 0
        var stored: [CompactEvent] = []
        var deadLettered = false
    }

    private let state = NIOLockedValueBox(State())

    init(_ notification: NormalizedNotification) {
        self.notification = notification
    }

    func attach(_ continuation: CheckedContinuation<IngestOutcome, any Error>) {
        state.withLockedValue { $0.continuation = continuation }
    }

    /// Set by the router before the rows go to their lanes.
    func expect(rows: Int) {
        state.withLockedValue { $0.remainingRows = rows }
    }

    /// One of its rows was committed (`stored`: the row inserted; nil for a redelivery), or the
    /// notification was dead-lettered.
    func rowFinished(stored: CompactEvent?, deadLettered: Bool = false) {
        let answer = state.withLockedValue { state -> (CheckedContinuation<IngestOutcome, any Error>, IngestOutcome)? in
            guard state.continuation != nil else { return nil }
            if let stored { state.stored.append(stored) }
            state.deadLettered = state.deadLettered || deadLettered
            state.remainingRows -= 1
            guard state.remainingRows <= 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            var outcome = IngestOutcome(stored: state.stored, duplicate: state.stored.isEmpty && !state.deadLettered, unrouted: false)
            outcome.deadLettered = state.deadLettered
            return (continuation, outcome)
        }
        if let (continuation, outcome) = answer { continuation.resume(returning: outcome) }
    }

    /// Kept in `eventsub_unrouted`: no company tracks any of its users.
    func keptUnrouted() {
        take()?.resume(returning: IngestOutcome(stored: [], duplicate: false, unrouted: true))
    }

    func fail(_ error: any Error) {
        take()?.resume(throwing: error)
    }

    private func take() -> CheckedContinuation<IngestOutcome, any Error>? {
        state.withLockedValue { state in
            defer { state.continuation = nil }
            return state.continuation
        }
    }
}
