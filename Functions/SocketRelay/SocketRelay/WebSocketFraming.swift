import NIOCore

/// Server-to-client WebSocket frames (RFC 6455 §5.2: unmasked), built as plain bytes. The relay
/// writes these buffers straight to the socket instead of going through `WebSocketFrameEncoder`,
/// so one broadcast is encoded once and the same buffer is written to every member socket.
enum WebSocketFraming {
    enum Opcode: UInt8 {
        case text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA
    }

    static func headerLength(payloadLength: Int) -> Int {
        payloadLength < 126 ? 2 : (payloadLength <= 0xFFFF ? 4 : 10)
    }

    static func writeHeader(_ opcode: Opcode, payloadLength: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(0x80 | opcode.rawValue)  // FIN + opcode
        if payloadLength < 126 {
            buffer.writeInteger(UInt8(payloadLength))
        } else if payloadLength <= 0xFFFF {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(payloadLength))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(payloadLength))
        }
    }

    /// A complete text frame around `text`.
    static func text(_ text: String, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        let length = text.utf8.count
        var buffer = allocator.buffer(capacity: headerLength(payloadLength: length) + length)
        writeHeader(.text, payloadLength: length, into: &buffer)
        buffer.writeString(text)
        return buffer
    }

    /// A complete text frame around raw UTF-8 bytes.
    static func text(bytes: some Collection<UInt8>, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        let length = bytes.count
        var buffer = allocator.buffer(capacity: headerLength(payloadLength: length) + length)
        writeHeader(.text, payloadLength: length, into: &buffer)
        buffer.writeBytes(bytes)
        return buffer
    }

    /// A close frame with a status code (1000 normal, 1001 going away, 1002 protocol error,
    /// 1008 policy violation, 1009 message too big, 1011 internal error).
    static func close(code: UInt16, reason: String = "") -> ByteBuffer {
        let reasonBytes = Array(reason.utf8.prefix(120))
        var buffer = ByteBufferAllocator().buffer(capacity: 4 + reasonBytes.count)
        writeHeader(.close, payloadLength: 2 + reasonBytes.count, into: &buffer)
        buffer.writeInteger(code)
        buffer.writeBytes(reasonBytes)
        return buffer
    }

    static func pong(_ data: ByteBuffer) -> ByteBuffer {
        var data = data
        var buffer = ByteBufferAllocator().buffer(capacity: 2 + data.readableBytes)
        writeHeader(.pong, payloadLength: data.readableBytes, into: &buffer)
        buffer.writeBuffer(&data)
        return buffer
    }
}
