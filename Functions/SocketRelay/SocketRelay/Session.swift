import Logging
import BlockingIO
import JSONValue
import NIOCore

/// One Engine.IO session and its Socket.IO sockets. Confined to the event loop of its registry:
/// every method runs there (transports on other loops hop in), which is why it can be marked
/// `@unchecked Sendable` and passed around as a reference.
final class Session: @unchecked Sendable {
    enum Transport {
        /// HTTP long-polling: outgoing packets wait in `pollQueue` for the next GET.
        case polling
        case websocket(WebSocketLink)
    }

    let sid: String
    let registry: RoomRegistry
    var transport: Transport
    private(set) var isClosed = false
    /// Set once the session is being dropped for being slow: nothing more is written to it.
    private var isDropping = false
    var loopIndex = -1

    // Heartbeat and timeouts (monotonic nanoseconds; 0 = not armed).
    private var awaitingPong = false
    private var pingDeadline: UInt64 = 0
    private var nextPingAt: UInt64
    var connectDeadline: UInt64
    private var probeDeadline: UInt64 = 0

    // Long-polling.
    private var pollQueue: [ByteBuffer] = []
    private var pollQueuedBytes = 0
    private var pendingGet: PollResponder?
    private var pollFlushScheduled = false
    /// The WebSocket that is probing an upgrade (`2probe` seen: `probed`).
    private var probe: WebSocketLink?
    private var probed = false
    /// Registered in the sid directory (polling sessions, for later requests by sid).
    var isInDirectory = false

    // Socket.IO, main namespace. In relay mode the company and rooms come from the token only.
    var socketID: String?
    var companyID: String?
    var connectInFlight = false
    var memberships: [Membership] = []
    /// The highest event id this socket's own recovery replayed (a later outage replay skips up to it).
    var recoveredThrough: Int64 = 0
    /// Append the event id as the Socket.IO offset argument (connection-state-recovery clients).
    var wantsOffsets = false
    /// Live events that arrive while this socket's recovery replay is being fetched.
    var replayBuffer: [BroadcastMessage]?
    var tokenExpiresAt: Double = .infinity
    /// Other connected namespaces (conformance mode's `/custom`).
    var extraNamespaces: [(name: String, socketID: String)] = []

    var eventLoop: any EventLoop { registry.eventLoop }
    var core: RelayCore { registry.core }

    init(registry: RoomRegistry, transport: Transport) {
        self.sid = RandomID.make()
        self.registry = registry
        self.transport = transport
        let now = monotonicNanoseconds()
        let configuration = registry.core.configuration
        nextPingAt = now + UInt64(configuration.pingIntervalMilliseconds) * 1_000_000
        connectDeadline = now + UInt64(configuration.connectTimeoutMilliseconds) * 1_000_000
    }

    /// Sends the open packet and starts the session's timers.
    func open() {
        let configuration = core.configuration
        var isPolling = false
        if case .polling = transport { isPolling = true }
        registry.add(self)
        core.metrics.sessionsOpened.add(1)
        let text = EngineIOPacket.openText(sid: sid, upgrades: isPolling, pingInterval: configuration.pingIntervalMilliseconds,
                                           pingTimeout: configuration.pingTimeoutMilliseconds, maxPayload: configuration.maxPayload)
        sendPacket(text)
    }

    // MARK: sending

    /// Sends one Engine.IO packet given as text (`4…` message, `2` ping, …).
    func sendPacket(_ text: String) {
        let frame = WebSocketFraming.text(text)
        transmit(frame, packetStart: WebSocketFraming.headerLength(payloadLength: text.utf8.count))
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

    /// A live (or replayed) event for the main namespace.
    func deliver(_ message: BroadcastMessage) {
        guard !isClosed, !isDropping, socketID != nil else { return }
        if replayBuffer != nil {
            replayBuffer!.append(message)
            if replayBuffer!.count > core.configuration.maxRecoveryEvents { close(.slowConsumer) }
            return
        }
        write(message)
    }

    /// Whether a room batch may be written straight to this socket: a connected WebSocket that is
    /// not recovering and not closing (others take each event through `deliver`).
    var acceptsBatchedWrites: Bool {
        guard !isClosed, !isDropping, socketID != nil, replayBuffer == nil, case .websocket = transport else { return false }
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
        let (frame, start) = message.frame(withOffset: wantsOffsets)
        transmit(frame, packetStart: start)
        registry.delivered += 1
    }

    private func dropSlowConsumer() {
        guard !isDropping else { return }
        isDropping = true
        registry.slowConsumersDropped += 1
        core.logger.warning("dropping slow consumer", metadata: ["sid": "\(sid)", "company": "\(companyID ?? "-")"])
        // Closed from a fresh task so a fan-out in progress is not disturbed.
        eventLoop.execute { self.close(.slowConsumer) }
    }

    // MARK: receiving

    /// One Engine.IO packet from the session's current transport.
    func receive(_ bytes: ArraySlice<UInt8>) {
        guard !isClosed else { return }
        guard let packet = EngineIOPacket.parse(bytes) else {
            close(.protocolError("invalid Engine.IO packet"))
            return
        }
        switch packet.type {
        case .pong:
            awaitingPong = false
        case .ping:
            sendPacket("3" + String(decoding: packet.data, as: UTF8.self))
        case .message:
            receiveMessage(packet.data)
        case .close:
            close(.clientRequested)
        case .noop:
            break
        case .open, .upgrade:
            close(.protocolError("unexpected Engine.IO packet \(packet.type)"))
        }
    }

    // MARK: timers

    func tick(now: UInt64, wallNow: Double) {
        guard !isClosed else { return }
        if connectDeadline != 0 && now >= connectDeadline && socketID == nil && extraNamespaces.isEmpty {
            close(.connectTimeout)
            return
        }
        if awaitingPong {
            if now >= pingDeadline {
                close(.pingTimeout)
                return
            }
        } else if now >= nextPingAt {
            let configuration = core.configuration
            awaitingPong = true
            pingDeadline = now + UInt64(configuration.pingTimeoutMilliseconds) * 1_000_000
            nextPingAt = now + UInt64(configuration.pingIntervalMilliseconds) * 1_000_000
            sendPacket("2")
        }
        if probeDeadline != 0 && now >= probeDeadline, let probe {
            // The upgrade never completed (no `5`): drop the probe socket, keep polling.
            self.probe = nil
            probed = false
            probeDeadline = 0
            probe.close(code: 1002)
        }
        if socketID != nil && wallNow > tokenExpiresAt {
            sendPacket(SocketIOPacket.encode(.disconnect))
            close(.tokenExpired)
        }
    }

    // MARK: closing

    func close(_ reason: CloseReason) {
        guard !isClosed else { return }
        isClosed = true
        if socketID != nil { registry.connectedSockets -= 1 }
        registry.leaveAll(self)
        registry.remove(self)
        if isInDirectory { core.directory.remove(sid) }
        registry.closedByReason[reason.label, default: 0] += 1
        replayBuffer = nil
        switch transport {
        case .websocket(let link):
            if reason.sendsEngineIOClose && !isDropping {
                registry.write(WebSocketFraming.text("1"), to: link)
            }
            link.close(code: reason.webSocketCode, immediately: reason == .slowConsumer)
        case .polling:
            if let pendingGet {
                self.pendingGet = nil
                if reason.clientShouldReconnect {
                    pendingGet.abort()
                } else {
                    // Whatever is still queued (a `41` on token expiry), then close (or noop when
                    // the client asked to close, as the JS server answers).
                    var body = ByteBufferAllocator().buffer(capacity: pollQueuedBytes + pollQueue.count + 1)
                    for var packet in pollQueue {
                        body.writeBuffer(&packet)
                        body.writeInteger(EngineIOPacket.separator)
                    }
                    body.writeString(reason == .clientRequested ? "6" : "1")
                    pendingGet.respond(body: body)
                }
            }
        }
        pollQueue.removeAll()
        if let probe {
            self.probe = nil
            probe.close(code: 1000)
        }
        core.logger.debug("session closed", metadata: ["sid": "\(sid)", "reason": "\(reason.label)"])
    }
}

// MARK: - long-polling

extension Session {
    private func enqueuePoll(_ packet: ByteBuffer) {
        pollQueue.append(packet)
        pollQueuedBytes += packet.readableBytes
        if pollQueuedBytes > core.configuration.maxBufferedBytes {
            dropSlowConsumer()
            return
        }
        if pendingGet != nil && !pollFlushScheduled {
            // Answer after the current tick so packets sent together go in one payload.
            pollFlushScheduled = true
            eventLoop.execute { self.flushPoll() }
        }
    }

    private func flushPoll() {
        pollFlushScheduled = false
        guard !isClosed, let responder = pendingGet, !pollQueue.isEmpty else { return }
        pendingGet = nil
        var body = ByteBufferAllocator().buffer(capacity: pollQueuedBytes + pollQueue.count)
        for (index, var packet) in pollQueue.enumerated() {
            if index > 0 { body.writeInteger(EngineIOPacket.separator) }
            body.writeBuffer(&packet)
        }
        pollQueue.removeAll(keepingCapacity: false)
        pollQueuedBytes = 0
        responder.respond(body: body)
    }

    /// A GET on `sid`: answered at once when packets are waiting, otherwise held until some are.
    func pollGet(_ responder: PollResponder) {
        guard !isClosed else {
            responder.respondError(.unknownSid)
            return
        }
        guard case .polling = transport else {
            responder.respondError(.badRequest)
            return
        }
        if pendingGet != nil {
            // At most one pending GET per session (Engine.IO): a second one ends the session.
            responder.respondError(.badRequest)
            close(.protocolError("overlapping polling GET"))
            return
        }
        if probed {
            // Upgrading: keep the old transport quiet so the client can finish the switch.
            responder.respond(text: "6")
            return
        }
        pendingGet = responder
        if !pollQueue.isEmpty { flushPoll() }
    }

    /// A POST on `sid`: one or more packets separated by `\x1e`.
    func pollPost(_ body: [UInt8], _ responder: PollResponder) {
        guard !isClosed else {
            responder.respondError(.unknownSid)
            return
        }
        guard case .polling = transport else {
            responder.respondError(.badRequest)
            return
        }
        responder.respond(text: "ok")
        for packet in EngineIOPacket.splitPayload(body) {
            guard !isClosed else { return }
            if packet.first == UInt8(ascii: "b") {
                close(.protocolError("binary packets are not accepted"))
                return
            }
            receive(packet)
        }
    }

    /// The held GET's connection closed before it was answered.
    func pollAborted(_ responder: PollResponder) {
        guard let pendingGet, pendingGet.channel === responder.channel else { return }
        self.pendingGet = nil
        close(.transportClosed)
    }
}

// MARK: - WebSocket transport and upgrade

extension Session {
    /// A WebSocket with this session's sid wants to take over from polling.
    func beginUpgrade(_ link: WebSocketLink) -> Bool {
        guard !isClosed, case .polling = transport, probe == nil else { return false }
        probe = link
        probeDeadline = monotonicNanoseconds() + 10_000_000_000
        return true
    }

    func receiveWebSocketText(_ bytes: ArraySlice<UInt8>, from link: WebSocketLink) {
        if case .websocket(let current) = transport, current === link {
            receive(bytes)
            return
        }
        guard !isClosed, probe === link else {
            link.close(code: 1008)
            return
        }
        if bytes.elementsEqual("2probe".utf8) {
            probed = true
            registry.write(WebSocketFraming.text("3probe"), to: link)
            if let pendingGet {
                self.pendingGet = nil
                pendingGet.respond(text: "6")
            }
        } else if bytes.elementsEqual("5".utf8), probed {
            probe = nil
            probed = false
            probeDeadline = 0
            transport = .websocket(link)
            let queued = pollQueue
            pollQueue.removeAll()
            pollQueuedBytes = 0
            for var packet in queued {
                let length = packet.readableBytes
                var frame = ByteBufferAllocator().buffer(capacity: length + 10)
                WebSocketFraming.writeHeader(.text, payloadLength: length, into: &frame)
                frame.writeBuffer(&packet)
                registry.write(frame, to: link)
            }
        } else {
            probe = nil
            probed = false
            link.close(code: 1002)
        }
    }

    func receiveWebSocketBinary(from link: WebSocketLink) {
        if case .websocket(let current) = transport, current === link {
            close(.protocolError("binary packets are not accepted"))
        } else {
            link.close(code: 1003)
        }
    }

    func webSocketClosed(_ link: WebSocketLink) {
        if case .websocket(let current) = transport, current === link {
            close(.transportClosed)
        } else if probe === link {
            probe = nil
            probed = false
            probeDeadline = 0
        }
    }

    func webSocketUnwritable(_ link: WebSocketLink) {
        if case .websocket(let current) = transport, current === link { dropSlowConsumer() }
    }

    func webSocketFailed(_ link: WebSocketLink, reason: CloseReason) {
        if case .websocket(let current) = transport, current === link {
            close(reason)
        } else {
            link.close(code: reason.webSocketCode)
        }
    }
}
