import NIOCore

/// One WebSocket connection: the only handler of an upgraded pipeline. It reads client frames
/// (`WebSocketFrameReader`) and hands their messages to its session on the session's loop, and
/// writes complete, pre-encoded frames (a broadcast frame is the same buffer for every socket)
/// straight to the socket through its own context.
///
/// One object for what were five handlers (NIO's encoder, decoder and aggregator, a raw writer
/// and the inbound handler), because an idle dashboard socket keeps all of them for hours.
///
/// The session and the link reference each other; the link lets go when the pipeline removes it
/// (the channel closed), so neither outlives the connection.
final class WebSocketLink: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    let channel: any Channel
    let eventLoop: any EventLoop
    /// Set when the pipeline adds this handler (before anything is written).
    private var context: ChannelHandlerContext?
    /// The session this socket carries (or probes an upgrade for); nil for a refused upgrade.
    var session: Session?
    private var reader: WebSocketFrameReader
    var needsFlush = false
    private(set) var isClosing = false

    init(channel: any Channel, maxPayload: Int) {
        self.channel = channel
        self.eventLoop = channel.eventLoop
        self.reader = WebSocketFrameReader(maxPayload: maxPayload)
    }

    // MARK: Writing (on `eventLoop` only)

    func write(_ frame: ByteBuffer) {
        guard !isClosing, let context else { return }
        context.write(NIOAny(frame), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    /// Sends a close frame and closes. `immediately` skips waiting for the peer to read what is
    /// queued (a slow consumer would never read it).
    func close(code: UInt16, immediately: Bool = false) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.close(code: code, immediately: immediately) }
            return
        }
        guard !isClosing else { return }
        isClosing = true
        if immediately {
            channel.close(promise: nil)
            return
        }
        let channel = self.channel
        context?.writeAndFlush(NIOAny(WebSocketFraming.close(code: code)), promise: nil)
        // Give the peer a moment to read the close frame, then close regardless.
        channel.eventLoop.scheduleTask(in: .milliseconds(100)) { channel.close(promise: nil) }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        session = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isClosing else { return }
        do throws(WebSocketFrameReader.Failure) {
            try reader.read(unwrapInboundIn(data)) { message in
                guard !isClosing else { return }
                switch message {
                case .text(let bytes):
                    forward { session, link in session.receiveWebSocketText(bytes[...], from: link) }
                case .binary(let payload):
                    forward { session, link in session.receiveWebSocketBinary(payload, from: link) }
                case .ping(let payload):
                    write(WebSocketFraming.pong(payload))
                    flush()
                case .pong:
                    break
                case .close:
                    close(code: 1000)
                }
            }
        } catch {
            switch error {
            case .tooLarge: fail(.payloadTooLarge)
            case .protocolError(let what): fail(.protocolError(what))
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        forward { session, link in session.webSocketClosed(link) }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable {
            forward { session, link in session.webSocketUnwritable(link) }
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.protocolError("websocket: \(error)"))
    }

    private func fail(_ reason: CloseReason) {
        if session == nil {
            close(code: reason.webSocketCode)
        } else {
            forward { session, link in session.webSocketFailed(link, reason: reason) }
        }
    }

    /// Runs `body` on the session's event loop (the socket may have been accepted on another loop
    /// than the polling session it upgrades).
    private func forward(_ body: @escaping @Sendable (Session, WebSocketLink) -> Void) {
        guard let session else { return }
        if session.eventLoop.inEventLoop {
            body(session, self)
        } else {
            session.eventLoop.execute { body(session, self) }
        }
    }
}
