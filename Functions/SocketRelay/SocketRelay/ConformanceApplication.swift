import JSONValue

/// `--conformance`: the server shape the socket.io protocol test suite drives (the upstream
/// Readme's reference server): `auth` emitted on connect, `message` echoed as `message-back`,
/// `message-with-ack` acknowledged with its arguments (attachments included), a `/custom` namespace.
struct ConformanceApplication: SocketIOApplication {
    func connect(_ session: Session, namespace: String, auth: JSONValue?) {
        guard namespace == "/" || namespace == "/custom" else {
            session.refuseConnect(namespace: namespace, message: "Invalid namespace")
            return
        }
        let socketID = RandomID.make()
        session.acceptConnect(namespace: namespace, socketID: socketID, reply: ["sid": .string(socketID)])
        session.emit(namespace: namespace, ["auth", auth ?? [:]])
    }

    func event(_ session: Session, _ event: SocketIOEvent) {
        guard let name = event.arguments.first?.stringValue else { return }
        switch name {
        case "message":
            session.emit(namespace: event.namespace, ["message-back"] + event.arguments.dropFirst(), attachments: event.attachments)
        case "message-with-ack":
            if let ackID = event.ackID {
                session.acknowledge(namespace: event.namespace, ackID: ackID, Array(event.arguments.dropFirst()), attachments: event.attachments)
            }
        default:
            break
        }
    }
}
