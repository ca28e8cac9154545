import JSONValue
import NIOCore

/// An EVENT (or BINARY_EVENT with its attachments) from a client.
struct SocketIOEvent {
    var namespace: String
    var ackID: Int64?
    var arguments: [JSONValue]
    /// Binary attachments, in order; the arguments hold `{"_placeholder":true,"num":N}` for them.
    var attachments: [ByteBuffer] = []
}

/// What the relay does with Socket.IO connects and events. Called on the session's event loop.
protocol SocketIOApplication: Sendable {
    func connect(_ session: Session, namespace: String, auth: JSONValue?)
    func event(_ session: Session, _ event: SocketIOEvent)
}
