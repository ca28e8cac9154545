import BlockingIO
import JSONValue
import NIOCore

/// The Socket.IO layer of a session: namespaces, binary attachments, and what the application
/// may send.
extension Session {
    /// The payload of an Engine.IO text message packet.
    func receiveMessage(_ data: ArraySlice<UInt8>) {
        guard !binary.isAssembling else {
            // socket.io-parser: "got plaintext data when reconstructing a packet".
            close(.protocolError("text packet while binary attachments are pending"))
            return
        }
        let packet: SocketIOPacket
        do { packet = try SocketIOPacket.decode(data) } catch {
            close(.protocolError("malformed Socket.IO packet: \(error.description)"))
            return
        }
        guard packet.kind == .binaryEvent || packet.kind == .binaryAck, packet.attachments > 0 else {
            dispatch(packet, attachments: [])
            return
        }
        guard packet.attachments <= BinaryAssembly.maxAttachments else {
            close(.protocolError("too many attachments"))
            return
        }
        binary.begin(packet, headerBytes: data.count)
    }

    /// An Engine.IO binary message: the next attachment of the packet being assembled.
    func receiveBinaryMessage(_ bytes: ByteBuffer) {
        guard !isClosed else { return }
        guard binary.isAssembling else {
            close(.protocolError("binary message without a binary packet"))
            return
        }
        switch binary.add(bytes, maxPayload: core.configuration.maxPayload) {
        case .incomplete:
            break
        case .tooLarge:
            close(.payloadTooLarge)
        case .complete(let packet, let attachments):
            dispatch(packet, attachments: attachments)
        }
    }

    private func dispatch(_ packet: SocketIOPacket, attachments: [ByteBuffer]) {
        switch packet.kind {
        case .connectError:
            close(.protocolError("CONNECT_ERROR is a server packet"))
        case .connect:
            guard !namespaces.isConnected(packet.namespace) else { return }
            core.application.connect(self, namespace: packet.namespace, auth: packet.payload)
        case .disconnect:
            guard namespaces.isConnected(packet.namespace) else { return }
            // The Engine.IO session stays (the JS server keeps pinging it) until the client
            // closes it or the connect timeout passes with no namespace.
            leaveNamespace(packet.namespace)
        case .event, .binaryEvent:
            guard namespaces.isConnected(packet.namespace) else {
                // The first packet must be a CONNECT (Socket.IO v5).
                if namespaces.isEmpty && !namespaces.connectInFlight { close(.protocolError("first packet must be CONNECT")) }
                return
            }
            core.application.event(self, SocketIOEvent(namespace: packet.namespace, ackID: packet.ackID,
                                                        arguments: packet.payload?.arrayValue ?? [], attachments: attachments))
        case .ack, .binaryAck:
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
        if namespaces.connect(namespace, socketID: socketID) {
            registry.connectedSockets += 1
            recovery.connectedAt = wallClockSeconds()
        }
    }

    /// The reply goes out in a write of its own (see `sendPacketAlone`).
    func sendConnectReply(namespace: String, _ reply: JSONValue) {
        sendPacketAlone(SocketIOPacket.encode(.connect, namespace: namespace, json: JSONWriter.string(reply)))
    }

    /// CONNECT_ERROR: `44[nsp,]{"message":"…"}`. The session stays open (the connect timeout
    /// closes it if nothing else connects); clients close it themselves.
    func refuseConnect(namespace: String, message: String) {
        sendPacket(SocketIOPacket.encode(.connectError, namespace: namespace, json: JSONWriter.string(["message": .string(message)])))
    }

    /// EVENT, or BINARY_EVENT followed by its attachments.
    func emit(namespace: String = "/", _ arguments: [JSONValue], attachments: [ByteBuffer] = []) {
        let json = JSONWriter.string(.array(arguments))
        if attachments.isEmpty {
            sendPacket(SocketIOPacket.encode(.event, namespace: namespace, json: json))
        } else {
            sendPacket(SocketIOPacket.encode(.binaryEvent, attachments: attachments.count, namespace: namespace, json: json))
            for attachment in attachments { sendBinary(attachment) }
        }
    }

    /// ACK, or BINARY_ACK followed by its attachments.
    func acknowledge(namespace: String = "/", ackID: Int64, _ arguments: [JSONValue], attachments: [ByteBuffer] = []) {
        let json = JSONWriter.string(.array(arguments))
        if attachments.isEmpty {
            sendPacket(SocketIOPacket.encode(.ack, namespace: namespace, ackID: ackID, json: json))
        } else {
            sendPacket(SocketIOPacket.encode(.binaryAck, attachments: attachments.count, namespace: namespace, ackID: ackID, json: json))
            for attachment in attachments { sendBinary(attachment) }
        }
    }

    func leaveNamespace(_ namespace: String) {
        guard namespaces.leave(namespace, now: monotonicNanoseconds()) else { return }
        registry.connectedSockets -= 1
        recovery.replayBuffer = nil
        registry.leaveAll(self)
    }
}
