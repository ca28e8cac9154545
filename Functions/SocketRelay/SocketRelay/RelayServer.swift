import Synchronization
import BlockingIO
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The listening socket and the per-connection pipelines.
///
/// HTTP first (`/healthz`, `/metrics`, long-polling); a WebSocket upgrade on `/socket.io/`, on
/// any request of a keep-alive connection (`KeepAliveUpgrades`), is taken by
/// `WebSocketUpgrader`, after which the connection's only handler is its `WebSocketLink`.
public final class RelayServer: Sendable {
    let core: RelayCore
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let broadcasterTask: Task<Void, Never>?
    private let onShutdown: @Sendable () async -> Void

    /// The port actually bound (useful with `PORT=0`).
    public var port: Int { channel.localAddress?.port ?? 0 }

    init(core: RelayCore, broadcaster: Broadcaster?, onShutdown: @escaping @Sendable () async -> Void) async throws {
        let configuration = core.configuration
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoops)
        let upgrader = WebSocketUpgrader(accepts: { head in Self.shouldUpgrade(head, core: core) },
                                         upgraded: { channel, head in try Self.upgraded(channel, head, core: core) })
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() { loops.append(loop) }
        core.attach(eventLoops: loops)
        for registry in core.registries { try await registry.eventLoop.submit { registry.startTimer() }.get() }
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: configuration.maxBufferedBytes / 2, high: configuration.maxBufferedBytes))
            // A channel keeps its receive buffer for its whole life, at the largest size it ever
            // read into, and with several reads per wakeup one per read still in use: with one
            // read per wakeup into 256 bytes, an idle socket keeps 256 bytes instead of 1 KiB or
            // more. Clients mostly listen; what they send is pongs, subscribes, a CONNECT with a
            // token (two reads), and the handshake (two to four).
            .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.receiveBufferBytes))
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try Self.configure(channel, upgrader: upgrader, core: core) }
            }
        if configuration.socketSendBufferBytes > 0 {
            bootstrap = bootstrap.childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(configuration.socketSendBufferBytes))
        }
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        self.core = core
        self.group = group
        self.onShutdown = onShutdown
        broadcasterTask = broadcaster.map { broadcaster in Task { await broadcaster.run() } }
    }

    static let receiveBufferBytes = 256

    private static func configure(_ channel: any Channel, upgrader: WebSocketUpgrader, core: RelayCore) throws {
        let sync = channel.pipeline.syncOperations
        // NIO's server pipeline, built by hand so the upgrade handler can be put back per request.
        let encoder = HTTPResponseEncoder()
        let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        let pipelining = HTTPServerPipelineHandler()
        let errors = HTTPServerProtocolErrorHandler()
        let upgrades = KeepAliveUpgrades(upgraders: [upgrader], encoder: encoder, httpHandlers: [decoder, pipelining, errors]) { context in
            context.pipeline.syncOperations.removeHandler(name: RelayHTTPHandler.name, promise: nil)
        }
        try sync.addHandlers([encoder, decoder, pipelining, errors, upgrades.makeHandler()])
        try sync.addHandler(RelayHTTPHandler(core: core, upgrades: upgrades), name: RelayHTTPHandler.name)
    }

    /// WebSocket handshakes the relay takes: `/socket.io/?EIO=4&transport=websocket`, either new
    /// or upgrading a known polling session. Anything else falls through to HTTP and gets its 400.
    private static func shouldUpgrade(_ head: HTTPRequestHead, core: RelayCore) -> Bool {
        let target = EngineIORequest(uri: head.uri)
        guard target.isEngineIOPath, target.engineIOError == nil, target.transport == "websocket" else { return false }
        if let sid = target.sid { return core.directory.lookup(sid) != nil }
        return !core.isDraining.load(ordering: .relaxed)
    }

    private static func upgraded(_ channel: any Channel, _ head: HTTPRequestHead, core: RelayCore) throws {
        let link = WebSocketLink(channel: channel, maxPayload: core.configuration.maxPayload)
        // Last: after the upgrade handler, which hands on what it buffered once it leaves.
        try channel.pipeline.syncOperations.addHandler(link)
        if let sid = EngineIORequest(uri: head.uri).sid {
            guard let session = core.directory.lookup(sid) else {
                link.close(code: 1008)
                return
            }
            link.session = session
            session.eventLoop.execute {
                if !session.beginUpgrade(link) { link.close(code: 1008) }
            }
        } else {
            let session = Session(registry: core.registry(for: channel.eventLoop), transport: .websocket(link))
            session.cookieToken = core.sessionCookieToken(head.headers.first(name: "cookie"))
            link.session = session
            session.open()
        }
    }

    /// SIGTERM: stop accepting, close every session's transport without an Engine.IO close packet
    /// (clients see a transport close and reconnect, to another instance behind the load
    /// balancer), wait up to the drain time for sockets to go, then stop.
    public func shutdown() async {
        core.isDraining.store(true, ordering: .relaxed)
        try? await channel.close()
        for registry in core.registries {
            _ = try? await registry.eventLoop.submit {
                for session in registry.sessions { session.close(.shutdown) }
            }.get()
        }
        let deadline = monotonicNanoseconds() + UInt64(core.configuration.drainMilliseconds) * 1_000_000
        while monotonicNanoseconds() < deadline {
            var open = 0
            for registry in core.registries {
                open += (try? await registry.eventLoop.submit { registry.sessions.count }.get()) ?? 0
            }
            if open == 0 { break }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        // Let close frames reach the wire.
        try? await Task.sleep(nanoseconds: 150_000_000)
        for registry in core.registries { _ = try? await registry.eventLoop.submit { registry.stopTimer() }.get() }
        await onShutdown()
        broadcasterTask?.cancel()
        try? await group.shutdownGracefully()
    }
}
