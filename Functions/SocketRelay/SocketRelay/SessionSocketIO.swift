import JSONValue

/// The Socket.IO layer of a session: namespaces, and what the application may send.
extension Session {
    var hasAnyNamespace: Bool { socketID != nil || !extraNamespaces.isEmpty }

    func isConnected(_ namespace: String) -> Bool {
        namespace == "/" ? socketID != nil : extraNamespaces.contains { $0.name == namespace }
    }

    /// The payload of an Engine.IO message packet.
    func receiveMessage(_ data: ArraySlice<UInt8>) {
        let packet: SocketIOPacket
        do { packet = try SocketIOPacket.decode(data) } catch {
            close(.protocolError("malformed Socket.IO packet: \(error.description)"))
            return
        }
        switch packet.kind {
        case .binaryEvent, .binaryAck:
            close(.protocolError("binary packets are not accepted"))
        case .connectError:
            close(.protocolError("CONNECT_ERROR is a server packet"))
        case .connect:
            guard !isConnected(packet.namespace) else { return }
            core.application.connect(self, namespace: packet.namespace, auth: packet.payload)
        case .disconnect:
            guard isConnected(packet.namespace) else { return }
            leaveNamespace(packet.namespace)
            if !hasAnyNamespace && !connectInFlight { close(.clientRequested) }
        case .event:
            guard isConnected(packet.namespace) else {
                // The first packet must be a CONNECT (Socket.IO v5).
                if !hasAnyNamespace && !connectInFlight { close(.protocolError("first packet must be CONNECT")) }
                return
            }
            core.application.event(self, namespace: packet.namespace, ackID: packet.ackID, arguments: packet.payload?.arrayValue ?? [])
        case .ack:
            break  // the relay never asks clients for acknowledgements
        }
    }

    /// Marks a namespace connected and sends the CONNECT reply (`40[nsp,]{…}`).
    func acceptConnect(namespace: String, socketID: String, reply: JSONValue) {
        markConnected(namespace: namespace, socketID: socketID)
        sendConnectReply(namespace: namespace, reply)
    }

    /// Marks a namespace connected without replying yet (recovery replies once it knows the outcome).
    func markConnected(namespace: String, socketID: String) {
        if namespace == "/" {
            if self.socketID == nil { registry.connectedSockets += 1 }
            self.socketID = socketID
        } else {
            extraNamespaces.append((namespace, socketID))
        }
        connectDeadline = 0
    }

    func sendConnectReply(namespace: String, _ reply: JSONValue) {
        sendPacket(SocketIOPacket.encode(.connect, namespace: namespace, json: JSONWriter.string(reply)))
    }

    /// CONNECT_ERROR: `44[nsp,]{"message":"…"}`. The session stays open (the connect timeout
    /// closes it if nothing else connects); clients close it themselves.
    func refuseConnect(namespace: String, message: String) {
        sendPacket(SocketIOPacket.encode(.connectError, namespace: namespace, json: JSONWriter.string(["message": .string(message)])))
    }

    func emit(namespace: String = "/", _ arguments: [JSONValue]) {
        sendPacket(SocketIOPacket.encode(.event, namespace: namespace, json: JSONWriter.string(.array(arguments))))
    }

    func acknowledge(namespace: String = "/", ackID: Int64, _ arguments: [JSONValue]) {
        sendPacket(SocketIOPacket.encode(.ack, namespace: namespace, ackID: ackID, json: JSONWriter.string(.array(arguments))))
    }

    func leaveNamespace(_ namespace: String) {
        if namespace == "/" {
            if socketID != nil { registry.connectedSockets -= 1 }
            socketID = nil
            replayBuffer = nil
            registry.leaveAll(self)
        } else {
            extraNamespaces.removeAll { $0.name == namespace }
        }
    }
}

/// What the relay does with Socket.IO connects and events. Called on the session's event loop.
protocol SocketIOApplication: Sendable {
    func connect(_ session: Session, namespace: String, auth: JSONValue?)
    func event(_ session: Session, namespace: String, ackID: Int64?, arguments: [JSONValue])
}

/// `--conformance`: the server shape the socket.io protocol test suite drives.
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

    func event(_ session: Session, namespace: String, ackID: Int64?, arguments: [JSONValue]) {
        guard let name = arguments.first?.stringValue else { return }
        switch name {
        case "message":
            session.emit(namespace: namespace, ["message-back"] + arguments.dropFirst())
        case "message-with-ack":
            if let ackID { session.acknowledge(namespace: namespace, ackID: ackID, Array(arguments.dropFirst())) }
        default:
            break
        }
    }
}
