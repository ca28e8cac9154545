import JSONValue
import NIOCore

/// One compact event on its way to a room, encoded once: the WebSocket frame
/// `42["event",<event>]` (and the variant with the event id appended as the Socket.IO
/// connection-state-recovery offset, `42["event",<event>,"<id>"]`). Every member socket gets the
/// same buffer; polling sessions get a slice of it without the frame header.
final class BroadcastMessage: Sendable {
    /// The Redis channel = the room (`room:company:{id}` / `room:creator:{id}`).
    let room: String
    let eventID: Int64
    let companyID: String
    let frame: ByteBuffer
    let frameHeaderLength: Int
    let offsetFrame: ByteBuffer
    let offsetFrameHeaderLength: Int
    /// When Postgres stored the event (Unix seconds), for events delivered late (replays);
    /// live messages leave it unknown (0): they are never filtered by it.
    let storedAt: Double

    /// Builds the frames around the compact event JSON exactly as published (not re-serialized).
    /// Nil when the text is not a compact event (no numeric `id` or string `companyId`).
    convenience init?(room: String, eventJSON: [UInt8], allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        guard let value = try? JSONParser.parse(eventJSON), let id = value["id"]?.int64Value,
              let company = value["companyId"]?.stringValue
        else { return nil }
        self.init(room: room, eventID: id, companyID: company, eventJSON: eventJSON, storedAt: 0, allocator: allocator)
    }

    init(room: String, eventID: Int64, companyID: String, eventJSON: [UInt8], storedAt: Double = 0,
         allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.room = room
        self.storedAt = storedAt
        self.eventID = eventID
        self.companyID = companyID
        let prefix = Array("42[\"event\",".utf8)
        let plainLength = prefix.count + eventJSON.count + 1
        var plain = allocator.buffer(capacity: WebSocketFraming.headerLength(payloadLength: plainLength) + plainLength)
        WebSocketFraming.writeHeader(.text, payloadLength: plainLength, into: &plain)
        frameHeaderLength = plain.readableBytes
        plain.writeBytes(prefix)
        plain.writeBytes(eventJSON)
        plain.writeInteger(UInt8(ascii: "]"))
        frame = plain

        let offset = Array(",\"\(eventID)\"]".utf8)
        let offsetLength = prefix.count + eventJSON.count + offset.count
        var withOffset = allocator.buffer(capacity: WebSocketFraming.headerLength(payloadLength: offsetLength) + offsetLength)
        WebSocketFraming.writeHeader(.text, payloadLength: offsetLength, into: &withOffset)
        offsetFrameHeaderLength = withOffset.readableBytes
        withOffset.writeBytes(prefix)
        withOffset.writeBytes(eventJSON)
        withOffset.writeBytes(offset)
        offsetFrame = withOffset
    }

    /// The frame for a socket, and where its Engine.IO packet starts (for polling).
    func frame(withOffset: Bool) -> (ByteBuffer, Int) {
        withOffset ? (offsetFrame, offsetFrameHeaderLength) : (frame, frameHeaderLength)
    }
}
