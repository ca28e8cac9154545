import Logging
import BlockingIO
import NIOCore

/// One Engine.IO session and its Socket.IO sockets. Confined to the event loop of its registry:
/// every method runs there (transports on other loops hop in), which is why it can be marked
/// `@unchecked Sendable` and passed around as a reference.
///
/// Each concern keeps its state in its own small value and its behaviour in its own file:
/// `SessionOutput` (writes, fan-out, slow consumers), `Heartbeat` (pings, exact deadlines),
/// `PollingTransport` (long-polling queue and held GET), `UpgradeProbe` (polling → WebSocket),
/// `SocketIONamespaces` + `SessionSocketIO` (CONNECT, events, acks), `BinaryAssembly`
/// (attachments), `RecoveryState` (replay buffer, offsets, what a socket may be sent late),
/// `TokenLifetime` (expiry). The stored values live inline in this object, so the fan-out path
/// reads them as it read plain fields.
final class Session: @unchecked Sendable {
    enum Transport {
        /// HTTP long-polling: outgoing packets wait in `polling` for the next GET.
        case polling
        case websocket(WebSocketLink)
    }

    let sid: String
    let registry: RoomRegistry
    var transport: Transport
    private(set) var isClosed = false
    /// Set once the session is being dropped for being slow: nothing more is written to it.
    var isDropping = false
    /// Position in the registry's session array (O(1) removal).
    var loopIndex = -1
    /// Registered in the sid directory (polling sessions, for later requests by sid).
    var isInDirectory = false

    var heartbeat: Heartbeat
    var polling = PollingTransport()
    var probe = UpgradeProbe()
    var namespaces: SocketIONamespaces
    var binary = BinaryAssembly()
    var recovery = RecoveryState()
    var token = TokenLifetime()
    /// The verified company of the main-namespace socket (relay mode); rooms come from it only.
    var companyID: String?
    /// Who the socket speaks for, and with which role (set at CONNECT, held to the membership by
    /// `AccessSweep`).
    var access: SocketAccess?
    /// The access token from the handshake's session cookie (a dashboard's socket sends no token
    /// in its CONNECT; the browser sends the cookie). Dropped once CONNECT has used it.
    var cookieToken: String?
    /// Room memberships of the main-namespace socket.
    var memberships: [Membership] = []

    var eventLoop: any EventLoop { registry.eventLoop }
    var core: RelayCore { registry.core }
    var socketID: String? { namespaces.mainSocketID }

    init(registry: RoomRegistry, transport: Transport) {
        self.sid = RandomID.make()
        self.registry = registry
        self.transport = transport
        let now = monotonicNanoseconds()
        let configuration = registry.core.configuration
        heartbeat = Heartbeat(now: now, pingIntervalMilliseconds: configuration.pingIntervalMilliseconds,
                              pingTimeoutMilliseconds: configuration.pingTimeoutMilliseconds)
        namespaces = SocketIONamespaces(connectTimeoutNanoseconds: UInt64(configuration.connectTimeoutMilliseconds) * 1_000_000, now: now)
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

    /// One Engine.IO text packet from the session's current transport.
    func receive(_ bytes: ArraySlice<UInt8>) {
        guard !isClosed else { return }
        guard let packet = EngineIOPacket.parse(bytes) else {
            close(.protocolError("invalid Engine.IO packet"))
            return
        }
        switch packet.type {
        case .pong:
            heartbeat.pongReceived()
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

    func close(_ reason: CloseReason) {
        guard !isClosed else { return }
        isClosed = true
        if socketID != nil { registry.connectedSockets -= 1 }
        registry.leaveAll(self)
        registry.remove(self)
        if isInDirectory { core.directory.remove(sid) }
        registry.closedByReason[reason.label, default: 0] += 1
        recovery.replayBuffer = nil
        binary.reset()
        heartbeat.cancelExactTimer()
        switch transport {
        case .websocket(let link):
            if reason.sendsEngineIOClose && !isDropping {
                registry.write(WebSocketFraming.text("1"), to: link)
            }
            link.close(code: reason.webSocketCode, immediately: reason == .slowConsumer)
        case .polling:
            closePolling(reason)
        }
        probe.abandon(code: 1000)
        core.logger.debug("session closed", metadata: ["sid": "\(sid)", "reason": "\(reason.label)"])
    }
}
