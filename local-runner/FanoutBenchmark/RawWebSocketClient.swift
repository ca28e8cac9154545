import BlockingIO
import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix

/// A minimal WebSocket client over NIO for tests and the fan-out benchmark. It can speak proper
/// WebSocket (masked client frames) and also write arbitrary bytes, so tests can send garbage,
/// truncated and oversized frames. Engine.IO pings (`2`) are answered with `3` unless turned off.
///
/// Two ways to consume: `next(timeout:)` (a queue, for tests) or an `onText` callback run on the
/// connection's event loop for every text frame (the benchmark; nothing is queued then).
public final class RawWebSocketClient: Sendable {
    public enum Frame: Sendable, Equatable {
        case text(String)
        case binary([UInt8])
        case close(UInt16?)
        /// Plain TCP mode: bytes as they arrived.
        case raw([UInt8])
    }

    public let channel: any Channel
    private let state: NIOLockedValueBox<(frames: [Frame], closed: Bool)>

    private init(channel: any Channel, state: NIOLockedValueBox<(frames: [Frame], closed: Bool)>) {
        self.channel = channel
        self.state = state
    }

    /// Connects and performs the WebSocket handshake on `path` (throws unless the server answers
    /// 101). With `handshake: false` it is a plain TCP connection whose input arrives as `.raw`.
    public static func connect(host: String = "127.0.0.1", port: Int, path: String = "/socket.io/?EIO=4&transport=websocket",
                               group: any EventLoopGroup, handshake: Bool = true, autoPong: Bool = true,
                               sendAfterOpen: String? = nil, receiveBufferBytes: Int? = nil, extraHeaders: [(String, String)] = [],
                               onText: (@Sendable (ByteBuffer) -> Void)? = nil) async throws -> RawWebSocketClient {
        let state = NIOLockedValueBox<(frames: [Frame], closed: Bool)>(([], false))
        var bootstrap = ClientBootstrap(group: group).channelOption(.socketOption(.tcp_nodelay), value: 1)
        // A small receive buffer (set before connect, so the window is small from the start)
        // makes a client that stops reading hold back little on its side.
        if let receiveBufferBytes { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferBytes)) }
        let channel = try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ClientHandler(state: state, handshake: handshake, autoPong: autoPong, sendAfterOpen: sendAfterOpen, onText: onText))
                }
            }
            .connect(host: host, port: port).get()
        let client = RawWebSocketClient(channel: channel, state: state)
        guard handshake else { return client }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + extraHeaders.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"
        // The handshake's future is taken before the request goes out: a server that answers and
        // closes at once would otherwise leave no handler to ask (ChannelPipelineError.notFound).
        let handshakeDone = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ClientHandler.self).handshakeDone
        }.get()
        try await channel.writeAndFlush(ByteBuffer(string: request)).get()
        let status = try await handshakeDone.get()
        guard status == 101 else {
            try? await channel.close()
            throw HandshakeError(status: status)
        }
        return client
    }

    public struct HandshakeError: Error, CustomStringConvertible {
        public let status: Int
        public var description: String { "websocket handshake answered \(status)" }
    }

    /// A masked text frame.
    public func sendText(_ text: String) {
        sendFrame(opcode: 0x1, payload: Array(text.utf8))
    }

    /// Any frame, masked as a client must (`fin: false` starts a fragmented message).
    public func sendFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true) {
        sendRaw(Self.maskedFrame(opcode: opcode, payload: payload, fin: fin))
    }

    /// Bytes exactly as given (garbage, truncated frames, raw HTTP).
    public func sendRaw(_ bytes: [UInt8]) {
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    public static func maskedFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        if payload.count < 126 {
            bytes.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            bytes += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            bytes.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((UInt64(payload.count) >> UInt64(shift)) & 0xFF)) }
        }
        bytes += mask
        for (index, byte) in payload.enumerated() { bytes.append(byte ^ mask[index % 4]) }
        return bytes
    }

    /// The next frame, or nil after `timeout` (a closed connection yields `.close`).
    public func next(timeout milliseconds: Int = 5_000) async -> Frame? {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while ContinuousClock.now < deadline {
            let frame = state.withLockedValue { state -> Frame? in
                if !state.frames.isEmpty { return state.frames.removeFirst() }
                return state.closed ? .close(nil) : nil
            }
            if let frame { return frame }
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
        return nil
    }

    /// The next text frame that is not an Engine.IO ping.
    public func nextText(timeout milliseconds: Int = 5_000) async -> String? {
        let deadline = monotonicNanoseconds() + UInt64(milliseconds) * 1_000_000
        while true {
            let now = monotonicNanoseconds()
            guard now < deadline else { return nil }
            guard let frame = await next(timeout: max(1, Int((deadline - now) / 1_000_000))) else { return nil }
            switch frame {
            case .text("2"): continue
            case .text(let text): return text
            case .close: return nil
            default: continue
            }
        }
    }

    /// Waits until the server closed the connection; false on timeout.
    public func waitClosed(timeout milliseconds: Int = 5_000) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while ContinuousClock.now < deadline {
            if state.withLockedValue({ $0.closed }) { return true }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return false
    }

    public var isClosed: Bool { state.withLockedValue { $0.closed } }

    public func close() async {
        try? await channel.close()
    }
}

/// Parses the 101 response, then server frames (unmasked, RFC 6455).
private final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let state: NIOLockedValueBox<(frames: [RawWebSocketClient.Frame], closed: Bool)>
    private var handshaking: Bool
    /// No handshake was asked for: plain TCP, input delivered as `.raw`.
    private let isRawMode: Bool
    private let autoPong: Bool
    private let onText: (@Sendable (ByteBuffer) -> Void)?
    /// Sent as soon as the Engine.IO open packet arrives (the benchmark's CONNECT).
    private var sendAfterOpen: String?
    private var buffer = ByteBuffer()
    private var handshakePromise: EventLoopPromise<Int>?
    private var fragments: [UInt8] = []
    private var fragmentOpcode: UInt8 = 0

    init(state: NIOLockedValueBox<(frames: [RawWebSocketClient.Frame], closed: Bool)>, handshake: Bool, autoPong: Bool,
         sendAfterOpen: String?, onText: (@Sendable (ByteBuffer) -> Void)?) {
        self.sendAfterOpen = sendAfterOpen
        self.state = state
        self.handshaking = handshake
        self.isRawMode = !handshake
        self.autoPong = autoPong
        self.onText = onText
    }

    var handshakeDone: EventLoopFuture<Int> { handshakePromise!.futureResult }

    func handlerAdded(context: ChannelHandlerContext) {
        handshakePromise = context.eventLoop.makePromise(of: Int.self)
        if !handshaking { handshakePromise?.succeed(0) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if isRawMode {
            let bytes = incoming.readBytes(length: incoming.readableBytes) ?? []
            state.withLockedValue { $0.frames.append(.raw(bytes)) }
            return
        }
        if !handshaking && buffer.readableBytes == 0 {
            // The common case: frames straight out of the read buffer, no copy.
            parseFrames(in: &incoming, context: context)
            if incoming.readableBytes > 0 { buffer.writeBuffer(&incoming) }
            return
        }
        buffer.writeBuffer(&incoming)
        if handshaking {
            let view = buffer.readableBytesView
            guard let end = view.firstRange(of: [13, 10, 13, 10]) else { return }
            let headerLength = end.upperBound - view.startIndex
            let header = buffer.readString(length: headerLength) ?? ""
            handshaking = false
            let status = header.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            handshakePromise?.succeed(status)
            if status != 101 { return }
        }
        parseFrames(in: &buffer, context: context)
        buffer.discardReadBytes()
    }

    /// Consumes the complete frames at the front of `buffer`.
    private func parseFrames(in buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        while true {
            let view = buffer.readableBytesView
            guard view.count >= 2 else { break }
            let start = view.startIndex
            let first = view[start]
            let second = view[start + 1]
            var length = Int(second & 0x7F)
            var offset = 2
            if length == 126 {
                guard view.count >= 4 else { break }
                length = Int(view[start + 2]) << 8 | Int(view[start + 3])
                offset = 4
            } else if length == 127 {
                guard view.count >= 10 else { break }
                length = 0
                for index in 0..<8 { length = length << 8 | Int(view[start + 2 + index]) }
                offset = 10
            }
            guard view.count >= offset + length else { break }
            buffer.moveReaderIndex(forwardBy: offset)
            let payload = buffer.readSlice(length: length)!
            handleFrame(fin: first & 0x80 != 0, opcode: first & 0x0F, payload: payload, context: context)
        }
    }

    private func handleFrame(fin: Bool, opcode: UInt8, payload: ByteBuffer, context: ChannelHandlerContext) {
        switch opcode {
        case 0x0:
            fragments += payload.readableBytesView
            if fin { deliver(opcode: fragmentOpcode, payload: ByteBuffer(bytes: fragments), context: context); fragments = [] }
        case 0x1, 0x2:
            if fin {
                deliver(opcode: opcode, payload: payload, context: context)
            } else {
                fragmentOpcode = opcode
                fragments = Array(payload.readableBytesView)
            }
        case 0x8:
            var payload = payload
            let code: UInt16? = payload.readInteger()
            state.withLockedValue { $0.frames.append(.close(code)) }
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: RawWebSocketClient.maskedFrame(opcode: 0x8, payload: []))), promise: nil)
            context.close(promise: nil)
        case 0x9:
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: RawWebSocketClient.maskedFrame(opcode: 0xA, payload: Array(payload.readableBytesView)))), promise: nil)
        default:
            break
        }
    }

    private func deliver(opcode: UInt8, payload: ByteBuffer, context: ChannelHandlerContext) {
        if opcode == 0x1 {
            if let text = sendAfterOpen, payload.readableBytesView.first == UInt8(ascii: "0") {
                sendAfterOpen = nil
                context.writeAndFlush(NIOAny(ByteBuffer(bytes: RawWebSocketClient.maskedFrame(opcode: 0x1, payload: Array(text.utf8)))), promise: nil)
            }
            if autoPong, payload.readableBytes == 1, payload.readableBytesView.first == UInt8(ascii: "2") {
                context.writeAndFlush(NIOAny(ByteBuffer(bytes: RawWebSocketClient.maskedFrame(opcode: 0x1, payload: [UInt8(ascii: "3")]))), promise: nil)
                if onText != nil { return }
            }
            if let onText {
                onText(payload)
                return
            }
            state.withLockedValue { $0.frames.append(.text(String(buffer: payload))) }
        } else {
            state.withLockedValue { $0.frames.append(.binary(Array(payload.readableBytesView))) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.withLockedValue { $0.closed = true }
        handshakePromise?.succeed(0)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
