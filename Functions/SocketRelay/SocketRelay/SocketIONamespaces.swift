/// Which Socket.IO namespaces a session has joined, and its connect timeout.
///
/// Socket.IO's `connectTimeout`: an Engine.IO session that is in no namespace is closed once the
/// deadline passes. Armed at open; disarmed by a CONNECT; armed again when the session leaves its
/// last namespace (`41`): the JS server keeps such a session open until the client closes it,
/// which every client does, and the deadline stops one that never does from staying forever.
struct SocketIONamespaces {
    let connectTimeoutNanoseconds: UInt64
    private(set) var mainSocketID: String?
    /// Other connected namespaces (conformance mode's `/custom`).
    private(set) var others: [(name: String, socketID: String)] = []
    /// A CONNECT for the main namespace is being verified (token check, recovery).
    var connectInFlight = false
    /// Monotonic nanoseconds; 0 = not armed.
    private(set) var connectDeadline: UInt64

    init(connectTimeoutNanoseconds: UInt64, now: UInt64) {
        self.connectTimeoutNanoseconds = connectTimeoutNanoseconds
        connectDeadline = now + connectTimeoutNanoseconds
    }

    var isEmpty: Bool { mainSocketID == nil && others.isEmpty }

    func isConnected(_ namespace: String) -> Bool {
        namespace == "/" ? mainSocketID != nil : others.contains { $0.name == namespace }
    }

    /// True when this connected the main namespace (it was not before).
    mutating func connect(_ namespace: String, socketID: String) -> Bool {
        connectDeadline = 0
        if namespace == "/" {
            let isNew = mainSocketID == nil
            mainSocketID = socketID
            return isNew
        }
        others.append((namespace, socketID))
        return false
    }

    /// True when this left the main namespace.
    mutating func leave(_ namespace: String, now: UInt64) -> Bool {
        var leftMain = false
        if namespace == "/" {
            leftMain = mainSocketID != nil
            mainSocketID = nil
        } else {
            others.removeAll { $0.name == namespace }
        }
        if isEmpty { connectDeadline = now + connectTimeoutNanoseconds }
        return leftMain
    }

    func connectTimedOut(now: UInt64) -> Bool {
        connectDeadline != 0 && now >= connectDeadline && isEmpty
    }
}
