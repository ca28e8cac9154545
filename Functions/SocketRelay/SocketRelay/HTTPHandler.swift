import Synchronization
import BlockingIO
import NIOCore
import NIOHTTP1

/// Answers a held or immediate polling request from the session's event loop; the response is
/// written on the HTTP connection's own loop.
struct PollResponder: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<RelayHTTPHandler>

    func respond(text: String) {
        respond(body: ByteBuffer(string: text))
    }

    func respond(body: ByteBuffer) {
        run { $0.writeResponse(status: .ok, body: body, contentType: "text/plain; charset=UTF-8") }
    }

    func respondError(_ error: EngineIOError) {
        run { $0.writeEngineIOError(error) }
    }

    /// Drops the connection without an answer: clients see a transport error and reconnect.
    func abort() {
        channel.close(promise: nil)
    }

    private func run(_ body: @escaping @Sendable (RelayHTTPHandler) -> Void) {
        let handler = self.handler
        if channel.eventLoop.inEventLoop {
            body(handler.value)
        } else {
            channel.eventLoop.execute { body(handler.value) }
        }
    }
}

/// Plain HTTP on the relay's port: `/healthz`, `/metrics`, and Engine.IO long-polling
/// (`GET|POST /socket.io/?EIO=4&transport=polling`). WebSocket upgrades are taken by the
/// upgrader before requests get here; an upgrade it refused arrives here and is answered 400
/// with `Connection: close` (the request decoder does not parse past an `Upgrade` request).
final class RelayHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    static let name = "relay-http"

    private let core: RelayCore
    private let upgrades: KeepAliveUpgrades
    private var context: ChannelHandlerContext?
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var bodyTooLarge = false
    /// The session holding this connection's GET open, if any (told when the connection drops).
    private var heldPoll: (session: Session, responder: PollResponder)?
    private var responsePending = false

    init(core: RelayCore, upgrades: KeepAliveUpgrades) {
        self.core = core
        self.upgrades = upgrades
    }

    /// Closes HTTP connections that sit idle (no request, no held poll) for this long, so
    /// half-open or slow-loris connections do not pile up before they ever become sessions.
    static let idleLimitNanoseconds: UInt64 = 60_000_000_000
    private var lastActivity: UInt64 = 0
    private var idleCheck: Scheduled<Void>?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        lastActivity = monotonicNanoseconds()
        scheduleIdleCheck(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Upgraded to a WebSocket (the session's timers take over) or closed.
        idleCheck?.cancel()
        idleCheck = nil
        self.context = nil
    }

    private func scheduleIdleCheck(context: ChannelHandlerContext) {
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(15)) { [self] in
            guard let context = self.context else { return }
            if heldPoll == nil && !responsePending && monotonicNanoseconds() - lastActivity > Self.idleLimitNanoseconds {
                context.close(promise: nil)
            } else {
                scheduleIdleCheck(context: context)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = monotonicNanoseconds()
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
            requestOrigin = request.headers.first(name: "origin")
            // A request carrying `Upgrade` got here because the upgrade was refused.
            keepAlive = request.isKeepAlive && !request.headers.contains(name: "upgrade")
            body = nil
            bodyTooLarge = false
        case .body(var chunk):
            guard !bodyTooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > core.configuration.maxPayload {
                bodyTooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            guard let request = head else { return }
            head = nil
            handle(request, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let heldPoll {
            self.heldPoll = nil
            let (session, responder) = heldPoll
            session.eventLoop.execute { session.pollAborted(responder) }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A refused WebSocket upgrade is reported here before the request itself arrives: the
        // request then gets its 400. Anything else ends the connection.
        if error is WebSocketUpgrader.Refusal { return }
        context.close(promise: nil)
    }

    private func handle(_ request: HTTPRequestHead, context: ChannelHandlerContext) {
        responsePending = true
        let target = EngineIORequest(uri: request.uri)
        switch target.path {
        case "/healthz":
            let draining = core.isDraining.load(ordering: .relaxed)
            writeResponse(status: draining ? .serviceUnavailable : .ok,
                          body: ByteBuffer(string: draining ? "{\"status\":\"draining\"}" : "{\"status\":\"ok\"}"),
                          contentType: "application/json")
        case "/metrics":
            core.metricsText(on: context.eventLoop).assumeIsolated().whenSuccess { text in
                self.writeResponse(status: .ok, body: ByteBuffer(string: text), contentType: "text/plain; version=0.0.4; charset=utf-8")
            }
        default:
            if target.isEngineIOPath {
                engineIO(request, target, context: context)
            } else {
                writeResponse(status: .notFound, body: ByteBuffer(string: "{\"error\":\"not found\"}"), contentType: "application/json")
            }
        }
    }

    private func engineIO(_ request: HTTPRequestHead, _ target: EngineIORequest, context: ChannelHandlerContext) {
        if request.method == .OPTIONS {
            writeResponse(status: .noContent, body: ByteBuffer(), contentType: nil, preflight: true)
            return
        }
        if let error = target.engineIOError {
            writeEngineIOError(error)
            return
        }
        let responder = PollResponder(channel: context.channel, handler: NIOLoopBound(self, eventLoop: context.eventLoop))
        if let sid = target.sid {
            guard let session = core.directory.lookup(sid) else {
                writeEngineIOError(.unknownSid)
                return
            }
            guard target.transport == "polling" else {
                // A WebSocket request for this sid that did not upgrade.
                writeEngineIOError(.badRequest)
                return
            }
            switch request.method {
            case .GET:
                heldPoll = (session, responder)
                session.eventLoop.execute { session.pollGet(responder) }
            case .POST:
                if bodyTooLarge {
                    writeResponse(status: .payloadTooLarge, body: ByteBuffer(string: EngineIOError.badRequest.body), contentType: "application/json")
                    session.eventLoop.execute { session.close(.payloadTooLarge) }
                    return
                }
                var payload = body ?? ByteBuffer()
                let bytes = payload.readBytes(length: payload.readableBytes) ?? []
                session.eventLoop.execute { session.pollPost(bytes, responder) }
            default:
                writeEngineIOError(.badRequest)
            }
            return
        }
        guard target.transport == "polling" else {
            // `transport=websocket` without a valid upgrade.
            writeEngineIOError(.badRequest)
            return
        }
        guard request.method == .GET else {
            writeEngineIOError(.badHandshakeMethod)
            return
        }
        guard !core.isDraining.load(ordering: .relaxed) else {
            writeEngineIOError(.forbidden)
            return
        }
        // Handshake: the session lives on this connection's loop; the open packet is the body.
        let session = Session(registry: core.registry(for: context.eventLoop), transport: .polling)
        session.cookieToken = core.sessionCookieToken(request.headers.first(name: "cookie"))
        session.isInDirectory = true
        core.directory.add(session)
        session.open()
        heldPoll = (session, responder)
        session.pollGet(responder)
    }

    func writeEngineIOError(_ error: EngineIOError) {
        writeResponse(status: error == .forbidden ? .forbidden : .badRequest, body: ByteBuffer(string: error.body),
                      contentType: "application/json")
    }

    /// Writes one complete response on this connection (on its event loop).
    func writeResponse(status: HTTPResponseStatus, body: ByteBuffer, contentType: String?, preflight: Bool = false) {
        guard let context, responsePending else { return }
        responsePending = false
        heldPoll = nil
        lastActivity = monotonicNanoseconds()
        var headers = HTTPHeaders()
        if let contentType { headers.add(name: "content-type", value: contentType) }
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "cache-control", value: "no-store")
        addCORSHeaders(&headers, preflight: preflight)
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        if keepAlive {
            // Before the end goes out: the pipelining handler may hand over the next request at once.
            upgrades.rearm(before: self, in: context.pipeline)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private var requestOrigin: String?
    private var keepAlive = true

    private func addCORSHeaders(_ headers: inout HTTPHeaders, preflight: Bool) {
        let allowed = core.configuration.corsOrigins
        guard !allowed.isEmpty, let origin = requestOrigin, allowed.contains("*") || allowed.contains(origin) else { return }
        headers.add(name: "access-control-allow-origin", value: origin)
        headers.add(name: "access-control-allow-credentials", value: "true")
        headers.add(name: "vary", value: "Origin")
        if preflight {
            headers.add(name: "access-control-allow-methods", value: "GET, POST")
            headers.add(name: "access-control-allow-headers", value: "content-type")
            headers.add(name: "access-control-max-age", value: "600")
        }
    }
}
