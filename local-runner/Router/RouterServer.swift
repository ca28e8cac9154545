import BlockingIO
import FunctionRuntime
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// The thin HTTP router: maps a path prefix to a function, starts the function's process on
/// the first request, forwards the request over loopback and streams the answer back, and stops
/// the process after `idleSeconds` without requests.
///
/// Forwarding is plain SwiftNIO on the client connection's event loop (`ProxyHandler`): no task
/// or actor hop for a request to a running function, and one kept-alive upstream connection per
/// client connection and function. Measured under `bench webhook`, the router had spent about as
/// much CPU per request as the webhook function itself when it was an async server with an
/// HTTP client; this is the part of the path a Knative queue-proxy plays in production.
public final class RouterServer: Sendable {
    public let table: RouteTable
    public let instances: [String: FunctionInstance]
    let localEndpoints: [LocalEndpoint]
    let logger: Logger
    let maxBodyBytes: Int
    /// How long a function may take to answer before the client gets a 504.
    let responseTimeout: TimeAmount
    private let idleSeconds: Int

    /// `binaryDirectory` holds the function executables; `environment` is what they get (plus PORT).
    public init(table: RouteTable, binaryDirectory: String, environment: [String: String], idleSeconds: Int,
                localEndpoints: [LocalEndpoint] = [], maxBodyBytes: Int = 8 << 20, logger: Logger) {
        self.table = table
        self.localEndpoints = localEndpoints
        self.logger = logger
        self.idleSeconds = idleSeconds
        self.maxBodyBytes = maxBodyBytes
        self.responseTimeout = .seconds(60)
        var instances: [String: FunctionInstance] = [:]
        for function in table.functions {
            instances[function] = FunctionInstance(
                name: function, executablePath: "\(binaryDirectory)/\(function)", environment: environment, logger: logger)
        }
        self.instances = instances
    }

    /// Serves until SIGINT/SIGTERM (or the calling task is cancelled); then stops every function process.
    public func run(host: String, port: Int, onRunning: (@Sendable (Int) -> Void)? = nil) async throws {
        let service = RouterService(router: self, host: host, port: port, onRunning: onRunning)
        let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }

    public func shutdown() async {
        for instance in instances.values { await instance.stop() }
    }

    /// Stops idle function processes once a second.
    func reapIdleProcesses() async {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 1_000_000_000)
            for instance in instances.values {
                await instance.stopIfIdle(idleNanoseconds: UInt64(idleSeconds) * 1_000_000_000)
            }
        }
    }

    /// The route's function and its instance, or nil (a 404).
    func instance(for path: String) -> (name: String, instance: FunctionInstance)? {
        guard let route = table.route(for: path), let instance = instances[route.function] else { return nil }
        return (route.function, instance)
    }

    static func error(_ error: FunctionError, _ requestID: String) -> LocalResponse {
        var headers = [("content-type", "application/json"), ("x-request-id", requestID)]
        headers += error.headers
        return LocalResponse(status: error.status, headers: headers, body: ByteBuffer(string: error.body(requestID: requestID)))
    }
}

/// The listening socket as a service: binds, reports the port, and closes when the group shuts down.
struct RouterService: Service {
    let router: RouterServer
    let host: String
    let port: Int
    let onRunning: (@Sendable (Int) -> Void)?

    func run() async throws {
        let router = self.router
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ProxyHandler(router: router))
                }
            }
            .bind(host: host, port: port).get()
        onRunning?(server.localAddress?.port ?? port)
        let reaper = Task { await router.reapIdleProcesses() }
        // Returns on SIGINT/SIGTERM through the group, or throws when the task is cancelled.
        try? await gracefulShutdown()
        reaper.cancel()
        try? await server.close()
    }
}
