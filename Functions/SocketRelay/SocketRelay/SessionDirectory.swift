import NIOConcurrencyHelpers

/// Polling sessions by sid, for requests that may land on any event loop (each HTTP request is
/// its own connection). WebSocket-only sessions are never looked up by sid and are not listed.
final class SessionDirectory: Sendable {
    private let sessions = NIOLockedValueBox<[String: Session]>([:])

    func add(_ session: Session) {
        sessions.withLockedValue { $0[session.sid] = session }
    }

    func lookup(_ sid: String) -> Session? {
        sessions.withLockedValue { $0[sid] }
    }

    func remove(_ sid: String) {
        _ = sessions.withLockedValue { $0.removeValue(forKey: sid) }
    }
}
