import FunctionRuntime
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import StructuredLogging

/// One client connection of the router. Each request (head and body, up to the router's limit)
/// is answered by the router itself (`/healthz`, a local endpoint, a 404 or 413) or forwarded to
/// its function over an upstream connection this client connection keeps open per function, and
/// the answer is streamed back part by part. Everything runs on the client connection's event
/// loop; only starting a stopped function (and asking whether a failed one died) leaves it.
///
/// NIO's `HTTPServerPipelineHandler` (from `configureHTTPServerPipeline`) holds a pipelined next
/// request until this one's answer has ended, so there is at most one exchange at a time.
final class ProxyHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// One request being forwarded.
    final class Exchange {
        let head: HTTPRequestHead
        let body: ByteBuffer
        let requestID: String
        let function: String
        let instance: FunctionInstance
        /// 0, or 1 once retried (a function process that died, or a kept-alive connection that closed).
        var attempt = 0
        /// Holds one of the instance's in-flight counts (released exactly once per acquire).
        var holdsInstance = false
        var responseStarted = false
        /// Sent on a connection an earlier request used: the function may have closed it meanwhile.
        var onReusedConnection = false
        var timeout: Scheduled<Void>?

        init(head: HTTPRequestHead, body: ByteBuffer, requestID: String, function: String, instance: FunctionInstance) {
            self.head = head
            self.body = body
            self.requestID = requestID
            self.function = function
            self.instance = instance
        }
    }

    /// A kept-alive connection to one function process.
    final class Upstream {
        let channel: any Channel
        let port: Int
        /// The exchange whose answer this connection carries now.
        var current: Exchange?
        var used = false

        init(channel: any Channel, port: Int) {
            self.channel = channel
            self.port = port
        }
    }

    private let router: RouterServer
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var bodyBytes = 0
    private var exchange: Exchange?
    private var upstreams: [Int: Upstream] = [:]
    private var closed = false

    init(router: RouterServer) {
        self.router = router
    }

    // MARK: - The client side

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            bodyBytes = 0
        case .body(var chunk):
            bodyBytes += chunk.readableBytes
            // Over the limit: the rest is read and dropped, and the answer is a 413.
            guard bodyBytes <= router.maxBodyBytes else {
                body = nil
                return
            }
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            self.head = nil
            dispatch(head, body: body ?? ByteBuffer(), tooLarge: bodyBytes > router.maxBodyBytes, context: context)
            body = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        if let exchange { abandon(exchange) }
        exchange = nil
        for upstream in upstreams.values {
            upstream.current = nil
            upstream.channel.close(promise: nil)
        }
        upstreams.removeAll()
        context.fireChannelInactive()
    }

    private func dispatch(_ head: HTTPRequestHead, body: ByteBuffer, tooLarge: Bool, context: ChannelHandlerContext) {
        let (path, query) = Self.split(head.uri)
        if path == "/healthz" {
            return respond(LocalResponse(status: 200, headers: [("content-type", "text/plain; charset=utf-8")], body: ByteBuffer(string: "ok")),
                           to: head, context: context)
        }
        let requestID = RequestID.accept(head.headers.first(name: "x-request-id"))
        if let endpoint = router.localEndpoints.first(where: { path == $0.prefix || path.hasPrefix($0.prefix) }) {
            guard !tooLarge else { return respond(RouterServer.error(.payloadTooLarge(router.maxBodyBytes), requestID), to: head, context: context) }
            return answerLocally(endpoint, LocalRequest(method: head.method.rawValue, path: path, query: query,
                                                        headers: head.headers.map { (name: $0.name.lowercased(), value: $0.value) }, body: body),
                                 head: head, requestID: requestID, context: context)
        }
        guard let (function, instance) = router.instance(for: path) else {
            return respond(RouterServer.error(FunctionError(status: 404, code: "not_found", message: "no route for \(path)"), requestID),
                           to: head, context: context)
        }
        guard !tooLarge else { return respond(RouterServer.error(.payloadTooLarge(router.maxBodyBytes), requestID), to: head, context: context) }
        let exchange = Exchange(head: head, body: body, requestID: requestID, function: function, instance: instance)
        self.exchange = exchange
        forward(exchange, context: context)
    }

    private func answerLocally(_ endpoint: LocalEndpoint, _ request: LocalRequest, head: HTTPRequestHead, requestID: String,
                               context: ChannelHandlerContext) {
        let logger = router.logger
        context.eventLoop.makeFutureWithTask { try await endpoint.handle(request) }
            .assumeIsolated().whenComplete { result in
                switch result {
                case .success(let response):
                    self.respond(response, to: head, context: context)
                case .failure(let error):
                    logger.error("local endpoint failed", metadata: ["path": "\(request.path)", "error": "\(error)"])
                    self.respond(RouterServer.error(.internal, requestID), to: head, context: context)
                }
            }
    }

    /// A whole answer from the router itself.
    private func respond(_ response: LocalResponse, to head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard !closed else { return }
        var headers = HTTPHeaders(response.headers)
        // A HEAD answer keeps the length of what a GET would return.
        if head.method != .HEAD || !headers.contains(name: "content-length") {
            headers.replaceOrAdd(name: "content-length", value: String(response.body.readableBytes))
        }
        if !head.isKeepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: response.status), headers: headers))),
                      promise: nil)
        if head.method != .HEAD, response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        end(keepAlive: head.isKeepAlive, context: context)
    }

    private func end(keepAlive: Bool, context: ChannelHandlerContext) {
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { written.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }

    // MARK: - Forwarding

    private func forward(_ exchange: Exchange, context: ChannelHandlerContext) {
        if let port = exchange.instance.acquireIfRunning() {
            exchange.holdsInstance = true
            return send(exchange, port: port, context: context)
        }
        let instance = exchange.instance
        let logger = router.logger
        context.eventLoop.makeFutureWithTask { try await instance.acquire() }
            .assumeIsolated().whenComplete { result in
                switch result {
                case .success(let port):
                    exchange.holdsInstance = true
                    self.send(exchange, port: port, context: context)
                case .failure(let error):
                    logger.error("function failed to start", metadata: ["function": "\(exchange.function)", "error": "\(error)"])
                    self.fail(exchange, RouterServer.error(.badGateway("\(exchange.function) could not be started"), exchange.requestID),
                              context: context)
                }
            }
    }

    private func send(_ exchange: Exchange, port: Int, context: ChannelHandlerContext) {
        guard !closed, self.exchange === exchange else { return abandon(exchange) }
        if let upstream = upstreams[port], upstream.current == nil, upstream.channel.isActive {
            return write(exchange, on: upstream, context: context)
        }
        upstreams[port] = nil
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHTTPClientHandlers() }
            }
            .connect(host: "127.0.0.1", port: port)
            .assumeIsolated().whenComplete { result in
                switch result {
                case .success(let channel):
                    let upstream = Upstream(channel: channel, port: port)
                    let handler = UpstreamHandler(
                        onPart: { part in self.received(part, from: upstream, context: context) },
                        onReadComplete: { context.flush() },
                        onClose: { error in self.upstreamClosed(upstream, error: error, context: context) })
                    do {
                        try channel.pipeline.syncOperations.addHandler(handler)
                    } catch {
                        channel.close(promise: nil)
                        return self.upstreamFailed(exchange, error: error, context: context)
                    }
                    guard !self.closed, self.exchange === exchange else {
                        channel.close(promise: nil)
                        return self.abandon(exchange)
                    }
                    self.upstreams[port] = upstream
                    self.write(exchange, on: upstream, context: context)
                case .failure(let error):
                    self.upstreamFailed(exchange, error: error, context: context)
                }
            }
    }

    /// Request headers that describe this hop, not the request (RFC 9110 §7.6.1), plus those the
    /// router sets itself.
    private static let notForwarded: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
        "host", "content-length", "expect", "x-request-id", "x-forwarded-proto",
    ]

    private func write(_ exchange: Exchange, on upstream: Upstream, context: ChannelHandlerContext) {
        upstream.current = exchange
        let reused = upstream.used
        upstream.used = true
        var headers = HTTPHeaders()
        for (name, value) in exchange.head.headers where !Self.notForwarded.contains(name.lowercased()) {
            headers.add(name: name, value: value)
        }
        headers.add(name: "host", value: "127.0.0.1:\(upstream.port)")
        headers.add(name: "x-request-id", value: exchange.requestID)
        headers.add(name: "x-forwarded-proto", value: "http")
        let method = exchange.head.method
        // TRACE carries no content (RFC 9110 §9.3.8): forwarding one makes the function's HTTP
        // server drop the connection (a 502), where the function would answer 405.
        let sendsBody = method != .TRACE && (exchange.body.readableBytes > 0 || method == .POST || method == .PUT || method == .PATCH)
        if sendsBody { headers.add(name: "content-length", value: String(exchange.body.readableBytes)) }
        let channel = upstream.channel
        channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: Self.originForm(exchange.head.uri),
                                                                 headers: headers)), promise: nil)
        if sendsBody, exchange.body.readableBytes > 0 { channel.write(HTTPClientRequestPart.body(.byteBuffer(exchange.body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil)).assumeIsolated().whenFailure { error in
            // A kept-alive connection the function closed meanwhile: `onClose` handles it too.
            if upstream.current === exchange { self.upstreamClosed(upstream, error: error, context: context) }
        }
        exchange.onReusedConnection = reused
        exchange.timeout?.cancel()
        exchange.timeout = context.eventLoop.assumeIsolated().scheduleTask(in: router.responseTimeout) {
            self.timedOut(exchange, on: upstream, context: context)
        }
    }

    /// Response headers of the hop between router and function, not of the answer.
    private static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
    ]

    private func received(_ part: HTTPClientResponsePart, from upstream: Upstream, context: ChannelHandlerContext) {
        guard let exchange = upstream.current, self.exchange === exchange, !closed else { return }
        switch part {
        case .head(let response):
            guard response.status.code >= 200 else { return }  // 1xx: nothing the client asked for
            exchange.responseStarted = true
            var headers = HTTPHeaders()
            for (name, value) in response.headers where !Self.hopByHop.contains(name.lowercased()) {
                headers.add(name: name, value: value)
            }
            if !exchange.head.isKeepAlive { headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: exchange.head.version, status: response.status, headers: headers))),
                          promise: nil)
        case .body(let buffer):
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end:
            upstream.current = nil
            exchange.timeout?.cancel()
            release(exchange)
            self.exchange = nil
            end(keepAlive: exchange.head.isKeepAlive, context: context)
        }
    }

    private func upstreamClosed(_ upstream: Upstream, error: (any Error)?, context: ChannelHandlerContext) {
        if upstreams[upstream.port] === upstream { upstreams[upstream.port] = nil }
        guard let exchange = upstream.current else { return }
        upstream.current = nil
        upstream.channel.close(promise: nil)
        upstreamFailed(exchange, error: error ?? ChannelError.eof, context: context)
    }

    /// The function did not answer (connection refused or closed, before or during the answer).
    private func upstreamFailed(_ exchange: Exchange, error: any Error, context: ChannelHandlerContext) {
        guard self.exchange === exchange, !closed else { return abandon(exchange) }
        exchange.timeout?.cancel()
        release(exchange)
        if exchange.responseStarted {
            // Part of the answer went out: the client sees a cut connection, as from the function.
            self.exchange = nil
            context.close(promise: nil)
            return
        }
        let instance = exchange.instance
        let logger = router.logger
        // A process that died (crash, kill -9) is started again and the request retried once;
        // so is a request sent on a kept-alive connection the function had closed meanwhile.
        context.eventLoop.makeFutureWithTask { await instance.reportUnreachable() }
            .assumeIsolated().whenSuccess { exited in
                guard self.exchange === exchange, !self.closed else { return }
                if exited || exchange.onReusedConnection, exchange.attempt == 0 {
                    exchange.attempt = 1
                    return self.forward(exchange, context: context)
                }
                logger.error("forward failed", metadata: ["function": "\(exchange.function)", "error": "\(error)"])
                self.fail(exchange, RouterServer.error(.badGateway("\(exchange.function) did not answer"), exchange.requestID), context: context)
            }
    }

    private func timedOut(_ exchange: Exchange, on upstream: Upstream, context: ChannelHandlerContext) {
        guard self.exchange === exchange, upstream.current === exchange else { return }
        upstream.current = nil
        if upstreams[upstream.port] === upstream { upstreams[upstream.port] = nil }
        upstream.channel.close(promise: nil)
        release(exchange)
        router.logger.error("function did not answer in time", metadata: ["function": "\(exchange.function)"])
        if exchange.responseStarted {
            self.exchange = nil
            context.close(promise: nil)
            return
        }
        fail(exchange, RouterServer.error(FunctionError(status: 504, code: "gateway_timeout", message: "\(exchange.function) did not answer in time"),
                                          exchange.requestID), context: context)
    }

    private func fail(_ exchange: Exchange, _ response: LocalResponse, context: ChannelHandlerContext) {
        release(exchange)
        guard self.exchange === exchange else { return }
        self.exchange = nil
        respond(response, to: exchange.head, context: context)
    }

    private func release(_ exchange: Exchange) {
        guard exchange.holdsInstance else { return }
        exchange.holdsInstance = false
        exchange.instance.release()
    }

    /// The client went away (or the exchange was replaced): only the instance count is settled.
    private func abandon(_ exchange: Exchange) {
        exchange.timeout?.cancel()
        release(exchange)
    }

    // MARK: - Request targets

    /// Path and query of a request target (origin form `/p?q`, or absolute form `http://h/p?q`).
    static func split(_ uri: String) -> (path: String, query: String?) {
        let target = originForm(uri)
        guard let mark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    static func originForm(_ uri: String) -> String {
        guard !uri.hasPrefix("/") else { return uri }
        let utf8 = Array(uri.utf8)
        guard let colon = utf8.indices.first(where: { utf8[$0] == 58 && $0 + 2 < utf8.count && utf8[$0 + 1] == 47 && utf8[$0 + 2] == 47 }) else {
            return uri
        }
        let rest = Substring(uri.utf8.dropFirst(colon + 3))
        guard let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
        return rest[slash] == "/" ? String(rest[slash...]) : "/" + rest[slash...]
    }
}

/// The pipeline end of an upstream connection: hands each answer part to the client side.
final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let onPart: (HTTPClientResponsePart) -> Void
    private let onReadComplete: () -> Void
    private var onClose: (((any Error)?) -> Void)?

    init(onPart: @escaping (HTTPClientResponsePart) -> Void, onReadComplete: @escaping () -> Void, onClose: @escaping ((any Error)?) -> Void) {
        self.onPart = onPart
        self.onReadComplete = onReadComplete
        self.onClose = onClose
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onPart(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        onReadComplete()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closed(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed(nil)
        context.fireChannelInactive()
    }

    private func closed(_ error: (any Error)?) {
        guard let onClose else { return }
        self.onClose = nil
        onClose(error)
    }
}
