import JSONValue

/// Socket.IO protocol v5 packets, carried as Engine.IO message data:
/// `<type>[<attachments>-][<namespace>,][<ack id>][<JSON>]`. Decoding follows socket.io-parser's
/// rules, including its validity checks, so a packet the JS server would refuse is refused here.
struct SocketIOPacket: Sendable, Equatable {
    enum Kind: UInt8, Sendable {
        case connect = 0, disconnect, event, ack, connectError, binaryEvent, binaryAck
    }

    struct Malformed: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    var kind: Kind
    var namespace: String
    var ackID: Int64?
    var payload: JSONValue?
    /// BINARY_EVENT / BINARY_ACK: how many binary messages follow (`<N>-`).
    var attachments = 0

    /// Event names a client may not emit (socket.io-parser's RESERVED_EVENTS).
    static let reservedEvents: Set<String> = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]

    static func decode(_ bytes: ArraySlice<UInt8>) throws(Malformed) -> SocketIOPacket {
        var index = bytes.startIndex
        guard index < bytes.endIndex, bytes[index] >= UInt8(ascii: "0"),
              let kind = Kind(rawValue: bytes[index] - UInt8(ascii: "0"))
        else { throw Malformed(description: "unknown packet type") }
        index += 1
        var attachments = 0
        if kind == .binaryEvent || kind == .binaryAck {
            let start = index
            while index < bytes.endIndex, isDigit(bytes[index]) {
                attachments = attachments * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                guard attachments <= 1_000_000 else { throw Malformed(description: "illegal attachments") }
                index += 1
            }
            guard index > start, index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") else {
                throw Malformed(description: "illegal attachments")
            }
            index += 1
        }
        var namespace = "/"
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "/") {
            let start = index
            while index < bytes.endIndex, bytes[index] != UInt8(ascii: ",") { index += 1 }
            namespace = String(decoding: bytes[start..<index], as: UTF8.self)
            if index < bytes.endIndex { index += 1 }  // the comma
        }
        var ackID: Int64?
        if index < bytes.endIndex, isDigit(bytes[index]) {
            var value: Int64 = 0
            while index < bytes.endIndex, isDigit(bytes[index]) {
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow, product <= Int64.max - 9 else { throw Malformed(description: "invalid ack id") }
                value = product + Int64(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            ackID = value
        }
        var payload: JSONValue?
        if index < bytes.endIndex {
            do { payload = try JSONParser.parse(bytes[index...]) } catch { throw Malformed(description: "invalid payload") }
        }
        let packet = SocketIOPacket(kind: kind, namespace: namespace, ackID: ackID, payload: payload, attachments: attachments)
        guard packet.isValid else { throw Malformed(description: "invalid payload") }
        return packet
    }

    /// socket.io-parser's `isPayloadValid`.
    var isValid: Bool {
        switch kind {
        case .connect:
            return payload == nil || payload?.objectValue != nil
        case .disconnect:
            return payload == nil
        case .connectError:
            return payload?.stringValue != nil || payload?.objectValue != nil
        case .event, .binaryEvent:
            guard let arguments = payload?.arrayValue, let first = arguments.first else { return false }
            if let name = first.stringValue { return !Self.reservedEvents.contains(name) }
            if case .int = first { return true }
            if case .double = first { return true }
            return false
        case .ack, .binaryAck:
            return ackID != nil && payload?.arrayValue != nil
        }
    }

    /// The Engine.IO message text for a packet the server sends (`4` + Socket.IO packet).
    static func encode(_ kind: Kind, attachments: Int = 0, namespace: String = "/", ackID: Int64? = nil, json: String? = nil) -> String {
        var text = "4"
        text.unicodeScalars.append(Unicode.Scalar(kind.rawValue + UInt8(ascii: "0")))
        if kind == .binaryEvent || kind == .binaryAck { text += String(attachments) + "-" }
        if namespace != "/" { text += namespace + "," }
        if let ackID { text += String(ackID) }
        if let json { text += json }
        return text
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
