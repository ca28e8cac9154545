import Base64Encoding
import Logging
import NIOCore

/// What a session writes: Engine.IO packets, fan-out events (one by one or as a room batch),
/// binary attachments, and the cut-off for slow consumers.
extension Session {
    /// Sends one Engine.IO packet given as text (`4…` message, `2` ping, …).
    func sendPacket(_ text: String) {
        let frame = WebSocketFraming.text(text)
        transmit(frame, packetStart: WebSocketFraming.headerLength(payloadLength: text.utf8.count))
    }

    /// Sends one packet in a write of its own, and holds this loop's next flush back a little.
    /// For the CONNECT reply: clients that wait for it with a one-shot listener (the official
    /// protocol suite's `waitFor`, on `ws`, which emits every frame of one read synchronously)
    /// lose a packet that arrives in the same read, as the JS server's one-write-per-tick never
    /// causes. Polling sessions queue it like any packet (one payload is one message there).
    func sendPacketAlone(_ text: String) {
        guard case .websocket(let link) = transport, !isClosed, !isDropping else {
            sendPacket(text)
            return
        }
        registry.writeBatches()
        registry.writeAlone(WebSocketFraming.text(text), to: link)
    }

    /// Sends a pre-encoded WebSocket frame; polling sessions queue the packet inside it.
    func transmit(_ frame: ByteBuffer, packetStart: Int) {
        guard !isClosed, !isDropping else { return }
        // Batched room events that are older than this packet go first.
        registry.writeBatches()
        switch transport {
        case .websocket(let link):
            registry.write(frame, to: link)
            if !link.channel.isWritable { dropSlowConsumer() }
        case .polling:
            enqueuePoll(frame.getSlice(at: frame.readerIndex + packetStart, length: frame.readableBytes - packetStart)!)
        }
    }

    /// An Engine.IO binary message (a Socket.IO attachment): a WebSocket binary frame, or a
    /// `b<base64>` packet in a polling payload.
    func sendBinary(_ bytes: ByteBuffer) {
        guard !isClosed, !isDropping else { return }
        registry.writeBatches()
        switch transport {
        case .websocket(let link):
            var frame = ByteBufferAllocator().buffer(capacity: bytes.readableBytes + 10)
            WebSocketFraming.writeHeader(.binary, payloadLength: bytes.readableBytes, into: &frame)
            frame.writeImmutableBuffer(bytes)
            registry.write(frame, to: link)
            if !link.channel.isWritable { dropSlowConsumer() }
        case .polling:
            enqueuePoll(ByteBuffer(string: "b" + Base64.encode(bytes.readableBytesView)))
        }
    }

    /// A live (or replayed) event for the main namespace.
    func deliver(_ message: BroadcastMessage) {
        guard !isClosed, !isDropping, socketID != nil, recovery.isNew(message) else { return }
        if recovery.replayBuffer != nil {
            recovery.replayBuffer!.append(message)
            if recovery.replayBuffer!.count > core.configuration.maxRecoveryEvents { close(.slowConsumer) }
            return
        }
        write(message)
    }

    /// Whether a room batch may be written straight to this socket: a connected WebSocket that is
    /// not recovering and not closing (others take each event through `deliver`).
    var acceptsBatchedWrites: Bool {
        guard !isClosed, !isDropping, socketID != nil, recovery.replayBuffer == nil, case .websocket = transport else { return false }
        return true
    }

    /// Several events' frames in one buffer (see `RoomRegistry.writeBatches`).
    func writeBatch(_ frames: ByteBuffer, events: Int) {
        guard case .websocket(let link) = transport else { return }
        registry.write(frames, to: link)
        registry.delivered += events
        if !link.channel.isWritable { dropSlowConsumer() }
    }

    /// Writes an event now (recovery flushes its replay through here too).
    func write(_ message: BroadcastMessage) {
        let (frame, start) = message.frame(withOffset: recovery.wantsOffsets)
        transmit(frame, packetStart: start)
        registry.delivered += 1
    }

    func dropSlowConsumer() {
        guard !isDropping else { return }
        isDropping = true
        registry.slowConsumersDropped += 1
        core.logger.warning("dropping slow consumer", metadata: ["sid": "\(sid)", "company": "\(companyID ?? "-")"])
        // Closed from a fresh task so a fan-out in progress is not disturbed.
        eventLoop.execute { self.close(.slowConsumer) }
    }
}
