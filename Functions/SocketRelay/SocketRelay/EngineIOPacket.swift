/// Engine.IO protocol v4 packets: one ASCII digit for the type, then the data. Binary messages
/// (WebSocket binary frames, `b`-prefixed base64 in polling payloads) carry no type digit; they
/// are Socket.IO attachments and go straight to `Session.receiveBinaryMessage`.
enum EngineIOPacketType: UInt8, Sendable {
    case open = 0, close, ping, pong, message, upgrade, noop

    var ascii: UInt8 { rawValue + UInt8(ascii: "0") }
}

struct EngineIOPacket: Sendable, Equatable {
    var type: EngineIOPacketType
    var data: ArraySlice<UInt8>

    /// Parses one text packet; nil for an empty packet or an unknown type digit.
    static func parse(_ bytes: ArraySlice<UInt8>) -> EngineIOPacket? {
        guard let first = bytes.first, first >= UInt8(ascii: "0"),
              let type = EngineIOPacketType(rawValue: first - UInt8(ascii: "0"))
        else { return nil }
        return EngineIOPacket(type: type, data: bytes.dropFirst())
    }

    /// The record separator between packets of one polling payload.
    static let separator: UInt8 = 0x1E

    /// Splits a polling POST body into packets. A `b` prefix marks a base64 binary packet.
    static func splitPayload(_ body: [UInt8]) -> [ArraySlice<UInt8>] {
        body.split(separator: separator, omittingEmptySubsequences: false)
    }

    /// The open packet (first GET body or first WebSocket frame).
    static func openText(sid: String, upgrades: Bool, pingInterval: Int, pingTimeout: Int, maxPayload: Int) -> String {
        "0{\"sid\":\"\(sid)\",\"upgrades\":[\(upgrades ? "\"websocket\"" : "")],\"pingInterval\":\(pingInterval),"
            + "\"pingTimeout\":\(pingTimeout),\"maxPayload\":\(maxPayload)}"
    }
}

/// Engine.IO's HTTP error answers: `400 {"code":N,"message":"..."}` (codes as the JS server uses them).
enum EngineIOError: Int, Sendable {
    case unknownTransport = 0
    case unknownSid = 1
    case badHandshakeMethod = 2
    case badRequest = 3
    case forbidden = 4
    case unsupportedProtocolVersion = 5

    var message: String {
        switch self {
        case .unknownTransport: return "Transport unknown"
        case .unknownSid: return "Session ID unknown"
        case .badHandshakeMethod: return "Bad handshake method"
        case .badRequest: return "Bad request"
        case .forbidden: return "Forbidden"
        case .unsupportedProtocolVersion: return "Unsupported protocol version"
        }
    }

    var body: String { "{\"code\":\(rawValue),\"message\":\"\(message)\"}" }
}
