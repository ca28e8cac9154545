import AsyncHTTPClient
import BlockingIO
import FunctionRuntime
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import NIOHTTP1
import StructuredLogging

/// An endpoint the router answers itself, standing in for what production gets elsewhere (the
/// development JWKS, the local object store, queue metrics), checked before the route table.
public struct LocalEndpoint: Sendable {
    public let prefix: String
    public let handle: @Sendable (Request, BasicRequestContext) async throws -> Response

    public init(prefix: String, handle: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response) {
        self.prefix = prefix
        self.handle = handle
    }
}

/// The thin HTTP router: maps a path prefix to a function, starts the function's process on
/// the first request, forwards the request over loopback and streams the answer back, and stops
/// the process after `idleSeconds` without requests.
public final class RouterServer: Sendable {
    public let table: RouteTable
    public let instances: [String: FunctionInstance]
    private let localEndpoints: [LocalEndpoint]
    private let client: HTTPClient
    private let logger: Logger
    private let idleSeconds: Int
    private let maxBodyBytes: Int

    /// `binaryDirectory` holds the function executables; `environment` is what they get (plus PORT).
    public init(table: RouteTable, binaryDirectory: String, environment: [String: String], idleSeconds: Int,
                localEndpoints: [LocalEndpoint] = [], maxBodyBytes: Int = 8 << 20, logger: Logger) {
        self.table = table
        self.localEndpoints = localEndpoints
        self.logger = logger
        self.idleSeconds = idleSeconds
        self.maxBodyBytes = maxBodyBytes
        var instances: [String: FunctionInstance] = [:]
        for function in table.functions {
            instances[function] = FunctionInstance(
                name: function, executablePath: "\(binaryDirectory)/\(function)", environment: environment, logger: logger)
        }
        self.instances = instances
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        configuration.decompression = .disabled
        configuration.redirectConfiguration = .disallow
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Serves until SIGINT/SIGTERM; then stops every function process.
    public func run(host: String, port: Int, onRunning: (@Sendable (Int) -> Void)? = nil) async throws {
        let reaper = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                for instance in instances.values {
                    await instance.stopIfIdle(idleNanoseconds: UInt64(idleSeconds) * 1_000_000_000)
                }
            }
        }
        let app = Application(
            responder: RouterResponder(router: self),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in onRunning?(channel.localAddress?.port ?? port) },
            logger: logger)
        do {
            try await app.runService()
        } catch {
            reaper.cancel()
            await shutdown()
            throw error
        }
        reaper.cancel()
        await shutdown()
    }

    public func shutdown() async {
        for instance in instances.values { await instance.stop() }
        try? await client.shutdown()
    }

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let path = request.uri.path
        if path == "/healthz" { return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok"))) }
        if let endpoint = localEndpoints.first(where: { path == $0.prefix || path.hasPrefix($0.prefix) }) {
            return try await endpoint.handle(request, context)
        }
        let requestID = RequestID.accept(request.headers[HTTPField.Name("x-request-id")!])
        guard let route = table.route(for: path), let instance = instances[route.function] else {
            return Self.error(FunctionError(status: 404, code: "not_found", message: "no route for \(path)"), requestID)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            return Self.error(.payloadTooLarge(maxBodyBytes), requestID)
        }
        for attempt in 0..<2 {
            let port: Int
            do {
                port = try await instance.acquire()
            } catch {
                logger.error("function failed to start", metadata: ["function": "\(route.function)", "error": "\(error)"])
                return Self.error(.badGateway("\(route.function) could not be started"), requestID)
            }
            do {
                let response = try await forward(request, body: body, port: port, requestID: requestID, context: context)
                await instance.release()
                return response
            } catch {
                await instance.release()
                // A process that died (crash, kill -9) is started again and the request retried once.
                if await instance.reportUnreachable(), attempt == 0 { continue }
                logger.error("forward failed", metadata: ["function": "\(route.function)", "error": "\(error)"])
                return Self.error(.badGateway("\(route.function) did not answer"), requestID)
            }
        }
        return Self.error(.badGateway("\(route.function) did not answer"), requestID)
    }

    private static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
        "host", "content-length",
    ]

    private func forward(_ request: Request, body: ByteBuffer, port: Int, requestID: String, context: BasicRequestContext) async throws -> Response {
        var outbound = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(request.uri.description)")
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers where !Self.hopByHop.contains(field.name.canonicalName) && field.name.canonicalName != "x-request-id" {
            outbound.headers.add(name: field.name.rawName, value: field.value)
        }
        outbound.headers.replaceOrAdd(name: "x-request-id", value: requestID)
        outbound.headers.replaceOrAdd(name: "x-forwarded-proto", value: "http")
        // TRACE carries no content (RFC 9110 §9.3.8): forwarding one makes the function's HTTP
        // server drop the connection (a 502), where the function would answer 405.
        if request.method != .trace, body.readableBytes > 0 || request.method == .post || request.method == .put || request.method == .patch {
            outbound.body = .bytes(body)
        }
        let upstream = try await client.execute(outbound, timeout: .seconds(60))
        var fields = HTTPFields()
        for header in upstream.headers where !Self.hopByHop.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        let responseBody = try await upstream.body.collect(upTo: 64 << 20)
        return Response(status: .init(code: Int(upstream.status.code)), headers: fields, body: .init(byteBuffer: responseBody))
    }

    static func error(_ error: FunctionError, _ requestID: String) -> Response {
        Response(status: .init(code: error.status), headers: [.contentType: "application/json", HTTPField.Name("x-request-id")!: requestID],
                 body: .init(byteBuffer: ByteBuffer(string: error.body(requestID: requestID))))
    }
}

struct RouterResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let router: RouterServer
    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        try await router.respond(to: request, context: context)
    }
}
