import NIOCore

/// Client-to-server WebSocket messages (RFC 6455 §5), read from the socket's bytes as they come.
///
/// The relay's own reader instead of NIO's frame decoder and aggregator: those are two more
/// pipeline handlers with their contexts and buffers, about 1 KiB per connection that an idle
/// dashboard socket keeps for hours. This one is a few fields inline in the connection's handler;
/// it holds bytes only while a frame or a fragmented message is incomplete.
///
/// It enforces what the decoder and aggregator did: client frames are masked, reserved bits are
/// clear (no extension is negotiated), control frames are whole and at most 125 bytes, a message
/// (one frame or all its fragments) is at most `maxPayload` bytes, in at most
/// `maxFragments` frames. A frame's declared length is checked before its bytes arrive.
struct WebSocketFrameReader {
    enum Message {
        case text([UInt8])
        case binary(ByteBuffer)
        case ping(ByteBuffer)
        case pong
        case close
    }

    enum Failure: Error, Equatable {
        case protocolError(String)
        /// A frame or message over `maxPayload` (or in too many fragments): close code 1009.
        case tooLarge
    }

    static let maxFragments = 256

    let maxPayload: Int
    /// The bytes of an incomplete frame (a copy, so the channel's receive buffer is free again).
    private var partial: ByteBuffer?
    /// A fragmented message in progress: kept apart because it is rare.
    private var fragments: Fragments?

    private final class Fragments {
        let isText: Bool
        var bytes: ByteBuffer
        var count = 1
        init(isText: Bool, bytes: ByteBuffer) {
            self.isText = isText
            self.bytes = bytes
        }
    }

    init(maxPayload: Int) {
        self.maxPayload = maxPayload
    }

    /// Reads `incoming` and hands each complete message to `deliver`, in order. After a thrown
    /// failure the connection must be closed (what follows cannot be framed).
    mutating func read(_ incoming: ByteBuffer, deliver: (Message) -> Void) throws(Failure) {
        var buffer: ByteBuffer
        if var partial = self.partial {
            self.partial = nil
            partial.writeImmutableBuffer(incoming)
            buffer = partial
        } else {
            buffer = incoming
        }
        while let message = try nextMessage(&buffer) {
            if let message { deliver(message) }
        }
        if buffer.readableBytes > 0 {
            var copy = ByteBufferAllocator().buffer(capacity: buffer.readableBytes)
            copy.writeImmutableBuffer(buffer)
            partial = copy
        }
    }

    /// The next frame's message: `nil` when the frame is incomplete, `.some(nil)` for a fragment
    /// that does not finish its message.
    private mutating func nextMessage(_ buffer: inout ByteBuffer) throws(Failure) -> Message?? {
        let start = buffer.readerIndex
        guard buffer.readableBytes >= 2,
              let first = buffer.getInteger(at: start, as: UInt8.self),
              let second = buffer.getInteger(at: start + 1, as: UInt8.self) else { return nil }
        let isFinal = first & 0x80 != 0
        let opcode = first & 0x0F
        var headerLength = 2
        var length = UInt64(second & 0x7F)
        if length == 126 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt16.self) else { return nil }
            length = UInt64(extended)
            headerLength = 4
        } else if length == 127 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt64.self) else { return nil }
            length = extended
            headerLength = 10
        }
        // RFC 6455 §5.1-5.2: client frames are masked, and no extension was negotiated, so the
        // reserved bits must be clear. Anything else is not a WebSocket client talking.
        guard first & 0x70 == 0, second & 0x80 != 0 else { throw .protocolError("invalid websocket frame") }
        let isControl = opcode & 0x08 != 0
        switch opcode {
        case 0x0, 0x1, 0x2, 0x8, 0x9, 0xA: break
        default: throw .protocolError("unknown websocket opcode")
        }
        if isControl {
            guard isFinal, length <= 125 else { throw .protocolError("fragmented or oversized control frame") }
        }
        guard length <= UInt64(maxPayload) else { throw .tooLarge }
        let payloadLength = Int(length)
        let maskAt = start + headerLength
        guard buffer.readableBytes >= headerLength + 4 + payloadLength,
              let mask = buffer.getInteger(at: maskAt, as: UInt32.self) else { return nil }
        // Close and pong payloads are not used.
        let payload = opcode == 0x8 || opcode == 0xA ? nil : Self.unmasked(buffer, at: maskAt + 4, length: payloadLength, mask: mask)
        buffer.moveReaderIndex(forwardBy: headerLength + 4 + payloadLength)

        switch opcode {
        case 0x8:
            return .some(.close)
        case 0xA:
            return .some(.pong)
        case 0x9:
            return .some(.ping(payload!))
        case 0x0:
            guard let fragments else { throw .protocolError("continuation frame without a message") }
            fragments.count += 1
            guard fragments.count <= Self.maxFragments,
                  fragments.bytes.readableBytes + payloadLength <= maxPayload else { throw .tooLarge }
            fragments.bytes.writeImmutableBuffer(payload!)
            guard isFinal else { return .some(nil) }
            self.fragments = nil
            return .some(fragments.isText ? .text(Array(fragments.bytes.readableBytesView)) : .binary(fragments.bytes))
        default:
            guard fragments == nil else { throw .protocolError("new message inside a fragmented message") }
            guard isFinal else {
                fragments = Fragments(isText: opcode == 0x1, bytes: payload!)
                return .some(nil)
            }
            return .some(opcode == 0x1 ? .text(Array(payload!.readableBytesView)) : .binary(payload!))
        }
    }

    /// A frame's payload with the client's mask removed (RFC 6455 §5.3), in a buffer of its own.
    /// `index` is at or after the reader index.
    private static func unmasked(_ buffer: ByteBuffer, at index: Int, length: Int, mask: UInt32) -> ByteBuffer {
        var payload = ByteBufferAllocator().buffer(capacity: length)
        guard length > 0 else { return payload }
        let key: [UInt8] = [UInt8(mask >> 24), UInt8((mask >> 16) & 0xFF), UInt8((mask >> 8) & 0xFF), UInt8(mask & 0xFF)]
        buffer.withUnsafeReadableBytes { raw in
            let source = UnsafeRawBufferPointer(rebasing: raw[(index - buffer.readerIndex)...].prefix(length))
            payload.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { target in
                for offset in 0..<length { target[offset] = source[offset] ^ key[offset & 3] }
                return length
            }
        }
        return payload
    }
}
