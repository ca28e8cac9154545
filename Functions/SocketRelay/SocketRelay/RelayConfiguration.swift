public import NIOCore
public import Settings

/// Everything the relay reads from its environment. `--conformance` swaps in the settings the
/// official socket.io protocol test suite expects (short heartbeats, no auth, echo handlers).
public struct RelayConfiguration: Sendable {
    public enum Mode: Sendable, Equatable {
        /// Production: JWT auth, Redis rooms, Postgres checks and recovery.
        case relay
        /// Protocol test-suite mode: no auth, `auth` / `message-back` / `message-with-ack` echoes, `/custom`.
        case conformance
    }

    public var mode: Mode
    public var host: String
    public var port: Int
    public var pingIntervalMilliseconds: Int
    public var pingTimeoutMilliseconds: Int
    /// Socket.IO's `connectTimeout`: an Engine.IO session that joins no namespace in time is closed.
    public var connectTimeoutMilliseconds: Int
    /// Max bytes of one WebSocket message / one polling POST body (advertised as `maxPayload`).
    public var maxPayload: Int
    /// How long after an event a client may still resume from it (connection state recovery).
    public var recoveryWindowSeconds: Int
    /// The most events one recovery replays; beyond that the client is told `recovered: false`
    /// and refetches through REST.
    public var maxRecoveryEvents: Int
    /// Bound on one connection's unsent output; a client over it is a slow consumer and is dropped.
    public var maxBufferedBytes: Int
    /// The kernel send buffer of each connection (`SO_SNDBUF`; 0 leaves Linux's autotuning, which
    /// grows it to 4 MiB). Bounded so that what a socket has unsent counts the kernel's share too:
    /// a dashboard that stops reading fills this and then `maxBufferedBytes`, and is cut off within
    /// seconds instead of after megabytes.
    public var socketSendBufferBytes: Int = 128 * 1024
    /// Event loops (threads) serving sockets; default: one per core.
    public var eventLoops: Int
    /// Write coalescing: an event loop flushes its sockets at most once per this interval. A write
    /// after a quiet interval is flushed at once (no added latency when idle); under load the
    /// frames of several events leave in one syscall per socket, which is where the relay's time
    /// goes (one `writev` per socket per flush). 0 flushes at the end of every loop tick.
    public var flushIntervalMicroseconds: Int
    /// After a CONNECT reply (written alone), how long the loop holds its next flush, so what the
    /// session sends next reaches the peer in a later read (`RoomRegistry.writeAlone`). Two
    /// milliseconds is the JS server's one write per event-loop turn; the protocol suite's client
    /// (a one-shot listener on `ws`) drops a frame read together with the reply, and on a loaded
    /// machine node can stay off the CPU longer than that, so `--conformance` allows 40.
    public var connectReplyGapMicroseconds = 2_000
    /// How often the relay looks in Postgres for events of its companies that were stored but never
    /// published (`UnpublishedEventCheck`); 0 turns the check off.
    public var unpublishedCheckIntervalMilliseconds: Int
    /// Origins allowed to use HTTP long-polling from a browser (`*` for any); empty: no CORS headers.
    public var corsOrigins: [String]
    /// How long SIGTERM waits for sockets to close before exiting.
    public var drainMilliseconds: Int

    public var redisURL: String?
    public var databaseURL: String?
    public var databasePoolSize: Int
    public var jwtIssuer: String?
    public var jwtAudience: String?
    public var jwksURL: String?
    public var jwksFile: String?
    /// How often open sockets are held to their members' current roles (`AccessSweep`): a removed
    /// member (or an ended session) is disconnected, a demoted one told its new role.
    public var accessCheckIntervalMilliseconds = 2_000
    /// Session cookie names (`SessionCookies`): `__Host-` ones unless `AUTH_COOKIE_SECURE=false`.
    public var secureCookies = true

    public init(mode: Mode = .relay, host: String = "0.0.0.0", port: Int = 8081, pingIntervalMilliseconds: Int = 25_000,
                pingTimeoutMilliseconds: Int = 20_000, connectTimeoutMilliseconds: Int = 45_000, maxPayload: Int = 1_000_000,
                recoveryWindowSeconds: Int = 120, maxRecoveryEvents: Int = 5_000, maxBufferedBytes: Int = 1 << 20,
                eventLoops: Int = System.coreCount, flushIntervalMicroseconds: Int = 1_000, unpublishedCheckIntervalMilliseconds: Int = 2_000, corsOrigins: [String] = [], drainMilliseconds: Int = 2_000,
                redisURL: String? = nil, databaseURL: String? = nil, databasePoolSize: Int = 4, jwtIssuer: String? = nil,
                jwtAudience: String? = nil, jwksURL: String? = nil, jwksFile: String? = nil) {
        self.mode = mode
        self.host = host
        self.port = port
        self.pingIntervalMilliseconds = pingIntervalMilliseconds
        self.pingTimeoutMilliseconds = pingTimeoutMilliseconds
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.maxPayload = maxPayload
        self.recoveryWindowSeconds = recoveryWindowSeconds
        self.maxRecoveryEvents = maxRecoveryEvents
        self.maxBufferedBytes = maxBufferedBytes
        self.eventLoops = eventLoops
        self.flushIntervalMicroseconds = flushIntervalMicroseconds
        self.unpublishedCheckIntervalMilliseconds = unpublishedCheckIntervalMilliseconds
        self.corsOrigins = corsOrigins
        self.drainMilliseconds = drainMilliseconds
        self.redisURL = redisURL
        self.databaseURL = databaseURL
        self.databasePoolSize = databasePoolSize
        self.jwtIssuer = jwtIssuer
        self.jwtAudience = jwtAudience
        self.jwksURL = jwksURL
        self.jwksFile = jwksFile
    }

    /// Reads `PORT` (default 8081), `HOST`, `REDIS_URL`, `DATABASE_URL`, `DATABASE_POOL_SIZE`,
    /// `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_JWKS_URL` or `JWT_JWKS_FILE`, and the `RELAY_*` tuning
    /// variables. In relay mode the Redis, database and JWT settings are required.
    public static func load(environment: Environment, conformance: Bool = false) throws -> RelayConfiguration {
        var configuration = RelayConfiguration(mode: conformance ? .conformance : .relay)
        configuration.port = try environment.int("PORT", default: 8081, range: 1...65535)
        configuration.host = environment.optional("HOST") ?? "0.0.0.0"
        configuration.maxPayload = try environment.int("RELAY_MAX_PAYLOAD", default: 1_000_000, range: 1_024...100_000_000)
        configuration.maxBufferedBytes = try environment.int("RELAY_MAX_BUFFERED_BYTES", default: 1 << 20, range: 4_096...1 << 30)
        configuration.socketSendBufferBytes = try environment.int("RELAY_SOCKET_SEND_BUFFER_BYTES", default: 128 * 1024, range: 0...1 << 26)
        configuration.eventLoops = try environment.int("RELAY_EVENT_LOOPS", default: System.coreCount, range: 1...256)
        configuration.flushIntervalMicroseconds = try environment.int("RELAY_FLUSH_INTERVAL_US", default: 1_000, range: 0...100_000)
        configuration.drainMilliseconds = try environment.int("RELAY_DRAIN_MS", default: 2_000, range: 0...60_000)
        configuration.corsOrigins = (environment.optional("RELAY_CORS_ORIGINS") ?? "").split(separator: ",")
            .map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        if conformance {
            // The values the socket.io protocol test suite hard-codes.
            configuration.pingIntervalMilliseconds = 300
            configuration.pingTimeoutMilliseconds = 200
            configuration.connectTimeoutMilliseconds = 1_000
            configuration.maxPayload = 1_000_000
            configuration.connectReplyGapMicroseconds = 40_000
            // The suite's reference server allows every origin.
            if configuration.corsOrigins.isEmpty { configuration.corsOrigins = ["*"] }
            return configuration
        }
        configuration.pingIntervalMilliseconds = try environment.int("RELAY_PING_INTERVAL_MS", default: 25_000, range: 50...600_000)
        configuration.pingTimeoutMilliseconds = try environment.int("RELAY_PING_TIMEOUT_MS", default: 20_000, range: 50...600_000)
        configuration.connectTimeoutMilliseconds = try environment.int("RELAY_CONNECT_TIMEOUT_MS", default: 45_000, range: 100...600_000)
        configuration.unpublishedCheckIntervalMilliseconds = try environment.int("RELAY_UNPUBLISHED_CHECK_MS", default: 2_000, range: 0...600_000)
        configuration.recoveryWindowSeconds = try environment.int("RELAY_RECOVERY_WINDOW_SECONDS", default: 120, range: 0...86_400)
        configuration.maxRecoveryEvents = try environment.int("RELAY_MAX_RECOVERY_EVENTS", default: 5_000, range: 1...1_000_000)
        configuration.redisURL = try environment.required("REDIS_URL")
        configuration.databaseURL = try environment.required("DATABASE_URL")
        configuration.databasePoolSize = try environment.int("DATABASE_POOL_SIZE", default: 4, range: 1...64)
        _ = try environment.bool("DATABASE_PREPARED_STATEMENTS", default: true)  // read by PostgresConnection; a bad value is exit 2 here
        configuration.jwtIssuer = try environment.required("JWT_ISSUER")
        configuration.jwtAudience = try environment.required("JWT_AUDIENCE")
        configuration.jwksURL = environment.optional("JWT_JWKS_URL")
        configuration.jwksFile = environment.optional("JWT_JWKS_FILE")
        configuration.accessCheckIntervalMilliseconds = try environment.int("RELAY_ACCESS_CHECK_MS", default: 2_000, range: 100...5_000)
        configuration.secureCookies = try environment.bool("AUTH_COOKIE_SECURE", default: true)
        return configuration
    }
}

