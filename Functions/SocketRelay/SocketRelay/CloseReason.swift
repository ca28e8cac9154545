/// Why a session ends. It decides what the client is told, and so whether it comes back: clients
/// reconnect on their own after a transport close or error, but not after an Engine.IO close
/// packet (python-socketio) or a Socket.IO DISCONNECT (every client).
enum CloseReason: Sendable, Equatable {
    /// The client sent an Engine.IO close, or left its last namespace.
    case clientRequested
    /// The socket or the pending poll went away.
    case transportClosed
    case pingTimeout
    /// No namespace was joined within the connect timeout.
    case connectTimeout
    /// A malformed, binary, out-of-order or otherwise refused packet.
    case protocolError(String)
    /// A message or POST over `maxPayload`.
    case payloadTooLarge
    /// The connection's unsent output went over its bound.
    case slowConsumer
    /// SIGTERM: the client should reconnect, to another instance.
    case shutdown
    /// The access token expired while connected.
    case tokenExpired
    /// The member was removed from the company, or the session was ended (sign-out everywhere,
    /// an owner ending it): reconnecting would only be refused.
    case accessRevoked
    /// Missed events could not be replayed after a Redis outage; the client reconnects and
    /// recovers by event id.
    case replayFailed

    var label: String {
        switch self {
        case .clientRequested: return "client_requested"
        case .transportClosed: return "transport_closed"
        case .pingTimeout: return "ping_timeout"
        case .connectTimeout: return "connect_timeout"
        case .protocolError: return "protocol_error"
        case .payloadTooLarge: return "payload_too_large"
        case .slowConsumer: return "slow_consumer"
        case .shutdown: return "shutdown"
        case .tokenExpired: return "token_expired"
        case .accessRevoked: return "access_revoked"
        case .replayFailed: return "replay_failed"
        }
    }

    /// True when the client should come back by itself: the transport is dropped without an
    /// Engine.IO close packet, which every client treats as "transport close" and retries.
    var clientShouldReconnect: Bool {
        switch self {
        case .slowConsumer, .shutdown, .replayFailed, .transportClosed: return true
        default: return false
        }
    }

    /// Send an Engine.IO close packet first: python-socketio then does not retry (a refused or
    /// expired login would only fail again). JS clients ignore it on WebSocket.
    var sendsEngineIOClose: Bool {
        self == .connectTimeout || self == .tokenExpired || self == .accessRevoked
    }

    /// The WebSocket close status (RFC 6455 §7.4.1).
    var webSocketCode: UInt16 {
        switch self {
        case .clientRequested, .connectTimeout, .tokenExpired: return 1000
        case .accessRevoked: return 1008
        case .shutdown: return 1001
        case .protocolError: return 1002
        case .slowConsumer: return 1008
        case .payloadTooLarge: return 1009
        case .replayFailed: return 1011
        case .pingTimeout, .transportClosed: return 1000
        }
    }
}
