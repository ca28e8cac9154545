import NIOCore
import NIOWebSocket

/// Sits first in an upgraded WebSocket pipeline (next to the socket), so that writes made through
/// its context skip `WebSocketFrameEncoder`: the relay writes complete, pre-encoded frames, and a
/// broadcast frame is the same buffer for every socket.
/// (NIO requires a handler to be inbound or outbound; this one passes writes through unchanged.)
final class RawFrameWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
}

/// One WebSocket connection as a session sees it. Writes happen on the channel's event loop,
/// through the raw writer's context.
final class WebSocketLink: @unchecked Sendable {
    let channel: any Channel
    let eventLoop: any EventLoop
    private let writer: ChannelHandlerContext
    var needsFlush = false
    private(set) var isClosing = false

    init(channel: any Channel, writer: ChannelHandlerContext) {
        self.channel = channel
        self.eventLoop = channel.eventLoop
        self.writer = writer
    }

    /// On `eventLoop` only.
    func write(_ frame: ByteBuffer) {
        guard !isClosing else { return }
        writer.write(NIOAny(frame), promise: nil)
    }

    /// On `eventLoop` only.
    func flush() {
        writer.flush()
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
        writer.writeAndFlush(NIOAny(WebSocketFraming.close(code: code)), promise: nil)
        // Give the peer a moment to read the close frame, then close regardless.
        channel.eventLoop.scheduleTask(in: .milliseconds(100)) { channel.close(promise: nil) }
    }
}

/// Inbound side of an upgraded WebSocket: text frames carry Engine.IO packets for the session;
/// binary frames are Engine.IO binary messages (Socket.IO attachments); ping/close control
/// frames are answered.
final class WebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    let link: WebSocketLink
    let session: Session?

    init(link: WebSocketLink, session: Session?) {
        self.link = link
        self.session = session
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        // RFC 6455 §5.1-5.2: client frames are masked, and no extension was negotiated, so the
        // reserved bits must be clear. Anything else is not a WebSocket client talking.
        guard frame.maskKey != nil, !frame.rsv1, !frame.rsv2, !frame.rsv3 else {
            fail(.protocolError("invalid websocket frame"))
            return
        }
        switch frame.opcode {
        case .text:
            var payload = frame.unmaskedData
            let bytes = payload.readBytes(length: payload.readableBytes) ?? []
            forward { session, link in session.receiveWebSocketText(bytes[...], from: link) }
        case .binary:
            let payload = frame.unmaskedData
            forward { session, link in session.receiveWebSocketBinary(payload, from: link) }
        case .ping:
            link.write(WebSocketFraming.pong(frame.unmaskedData))
            link.flush()
        case .connectionClose:
            link.close(code: 1000)
        case .pong:
            break
        default:
            fail(.protocolError("unknown websocket opcode"))
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
        // Frame too large (decoder) or a bad fragment sequence (aggregator): close only this socket.
        let tooLarge: Bool
        if let error = error as? NIOWebSocketError, error == .invalidFrameLength {
            tooLarge = true
        } else if let error = error as? NIOWebSocketFrameAggregator.Error, error == .accumulatedFrameSizeIsTooLarge {
            tooLarge = true
        } else {
            tooLarge = false
        }
        fail(tooLarge ? .payloadTooLarge : .protocolError("websocket: \(error)"))
    }

    private func fail(_ reason: CloseReason) {
        if session == nil {
            link.close(code: reason.webSocketCode)
        } else {
            forward { session, link in session.webSocketFailed(link, reason: reason) }
        }
    }

    /// Runs `body` on the session's event loop (the socket may have been accepted on another loop
    /// than the polling session it upgrades).
    private func forward(_ body: @escaping @Sendable (Session, WebSocketLink) -> Void) {
        guard let session else { return }
        let link = self.link
        if session.eventLoop.inEventLoop {
            body(session, link)
        } else {
            session.eventLoop.execute { body(session, link) }
        }
    }
}
