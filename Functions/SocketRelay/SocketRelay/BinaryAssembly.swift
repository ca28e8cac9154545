import NIOCore

/// A BINARY_EVENT / BINARY_ACK waiting for its attachments: the packet's header text announces
/// `N-` attachments, which follow as the next N Engine.IO binary messages (socket.io-parser's
/// `BinaryReconstructor`). Bounded as the JS parser bounds it: at most `maxAttachments`, and the
/// whole packet (header plus attachments) at most `maxPayload` bytes.
struct BinaryAssembly {
    /// socket.io-parser's default `maxAttachments`.
    static let maxAttachments = 10

    private(set) var packet: SocketIOPacket?
    private(set) var attachments: [ByteBuffer] = []
    private var bytes = 0

    enum Progress {
        case incomplete
        case complete(SocketIOPacket, [ByteBuffer])
        case tooLarge
    }

    var isAssembling: Bool { packet != nil }

    /// Starts waiting for `packet.attachments` binary messages; `headerBytes` counts toward the bound.
    mutating func begin(_ packet: SocketIOPacket, headerBytes: Int) {
        self.packet = packet
        attachments = []
        attachments.reserveCapacity(packet.attachments)
        bytes = headerBytes
    }

    mutating func add(_ attachment: ByteBuffer, maxPayload: Int) -> Progress {
        guard let packet else { return .incomplete }
        bytes += attachment.readableBytes
        guard bytes <= maxPayload else {
            reset()
            return .tooLarge
        }
        attachments.append(attachment)
        guard attachments.count == packet.attachments else { return .incomplete }
        let complete = Progress.complete(packet, attachments)
        reset()
        return complete
    }

    mutating func reset() {
        packet = nil
        attachments = []
        bytes = 0
    }
}
