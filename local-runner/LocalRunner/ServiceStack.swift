import Files
public import Logging
import Migrations
import Postgres
import Processes
public import Settings

/// The environment every process of a running instance shares.
public struct RuntimeEnvironment: Sendable {
    public var databaseURL: String
    public var databaseAdminURL: String
    public var redisURL: String
    public var eventSubSecret: String
    public var routerURL: String?
    /// The socket relay dashboards connect to.
    public var relayURL: String?
    /// The local Twitch stand-in, when no Twitch credentials are configured.
    public var twitchStandInURL: String?
    /// The local OpenID provider stand-in, when no identity provider is configured.
    public var oidcStandInURL: String?
    /// The local notification destinations stand-in (Discord, Slack, signed webhooks).
    public var discordStandInURL: String?
    /// The local YouTube (hub, Data API) and Rumble (livestream API) stand-ins, when not configured for real.
    public var youtubeStandInURL: String?
    public var rumbleStandInURL: String?
    /// Secret key of the local object store's access key.
    public var objectStoreSecret: String = ""
    /// Only for embedded or throwaway clusters (tests use it to provision).
    public var superuserURL: String?

    public var pairs: [(String, String)] {
        var pairs = [("DATABASE_URL", databaseURL), ("DATABASE_ADMIN_URL", databaseAdminURL), ("REDIS_URL", redisURL)]
        if let routerURL { pairs.append(("ROUTER_URL", routerURL)) }
        if let relayURL { pairs.append(("RELAY_URL", relayURL)) }
        if let twitchStandInURL { pairs.append(("TWITCH_STAND_IN_URL", twitchStandInURL)) }
        if let oidcStandInURL { pairs.append(("OIDC_STAND_IN_URL", oidcStandInURL)) }
        if let discordStandInURL { pairs.append(("DISCORD_STAND_IN_URL", discordStandInURL)) }
        if let youtubeStandInURL { pairs.append(("YOUTUBE_STAND_IN_URL", youtubeStandInURL)) }
        if let rumbleStandInURL { pairs.append(("RUMBLE_STAND_IN_URL", rumbleStandInURL)) }
        pairs.append(("TWITCH_EVENTSUB_SECRET", eventSubSecret))
        return pairs
    }
}

/// Starts (or connects to) Postgres and Redis, provisions roles and database, migrates.
public final class ServiceStack: Sendable {
    public enum Mode: Sendable {
        /// `local-runner/run`: data kept in `dataDirectory`, reused on the next run.
        case persistent(dataDirectory: String)
        /// Tests and benchmarks: a temporary folder, random ports, deleted on stop.
        /// `durable: false` turns fsync off (tests only; benchmarks keep synchronous commit).
        case throwaway(durable: Bool)
    }

    public static let databaseName = "ccr"
    /// The embedded servers' ports in persistent mode (below the ephemeral range).
    public static let defaultPostgresPort = 15432
    public static let defaultRedisPort = 16379
    /// Keeps the embedded servers (and, in `up`, the relay, stand-in and scheduler) running.
    public let supervisor: ProcessSupervisor
    let mode: Mode
    let environment: Environment
    let logger: Logger
    private let postgres: EmbeddedPostgres?
    private let redis: EmbeddedRedis?
    private let resolved: RuntimeEnvironment
    private let temporaryDirectory: String?
    private let superuserURL: String?

    /// `databaseTLS`: whether the functions' connections to the embedded Postgres use TLS. Off by
    /// default: on loopback it protects nothing, and libpq's implicit `sslmode=prefer` had turned
    /// it on unasked once the server offered it (for the `verify-full` tests), charging both ends'
    /// encryption to this one machine. Benchmarks can turn it on to measure what it costs.
    public init(mode: Mode, environment: Environment, logger: Logger, databaseTLS: Bool = false,
                onProcessChange: @escaping @Sendable ([ProcessStatus]) -> Void = { _ in }) throws {
        self.supervisor = ProcessSupervisor(logger: logger, onChange: onProcessChange)
        self.mode = mode
        self.environment = environment
        self.logger = logger
        let directory: String
        var secrets: [String: String]
        switch mode {
        case .persistent(let dataDirectory):
            directory = dataDirectory
            try FileSystem.makeDirectories(directory, mode: 0o755)
            secrets = KeyValueFile.read(directory + "/secrets.env") ?? [:]
            temporaryDirectory = nil
        case .throwaway:
            directory = try FileSystem.temporaryDirectory(prefix: "ccr-services")
            secrets = [:]
            temporaryDirectory = directory
        }
        var generated = false
        func secret(_ key: String, _ make: () throws -> String) rethrows -> String {
            if let value = secrets[key] { return value }
            let value = try make()
            secrets[key] = value
            generated = true
            return value
        }
        let isThrowaway: Bool
        let durable: Bool
        if case .throwaway(let keep) = mode { isThrowaway = true; durable = keep } else { isThrowaway = false; durable = true }
        // Server ports lie outside the ephemeral range (see Ports.serverPortRange). A data folder
        // from before, with 55432/56379 in its secrets, moves to the new defaults.
        for key in ["PG_PORT", "REDIS_PORT"] where secrets[key].flatMap(Int.init).map(Ports.isEphemeral) == true {
            secrets[key] = nil
        }
        let pgPort = try secret("PG_PORT") { isThrowaway ? String(try Ports.freeServerPort()) : String(Self.defaultPostgresPort) }
        let redisPort = try secret("REDIS_PORT") { isThrowaway ? String(try Ports.freeServerPort()) : String(Self.defaultRedisPort) }
        let superPassword = secret("PG_SUPERUSER_PASSWORD") { RandomToken.hex() }
        let ownerPassword = secret("CCR_OWNER_PASSWORD") { RandomToken.hex() }
        let appPassword = secret("CCR_APP_PASSWORD") { RandomToken.hex() }
        let redisPassword = secret("REDIS_PASSWORD") { RandomToken.hex() }
        let eventSubSecret = environment.optional("TWITCH_EVENTSUB_SECRET") ?? secret("TWITCH_EVENTSUB_SECRET") { RandomToken.hex(bytes: 20) }
        let objectStoreSecret = secret("S3_SECRET_ACCESS_KEY") { RandomToken.hex(bytes: 20) }
        if generated, case .persistent = mode {
            try KeyValueFile.write(secrets.sorted { $0.key < $1.key }, to: directory + "/secrets.env")
        }

        var runtime = RuntimeEnvironment(databaseURL: "", databaseAdminURL: "", redisURL: "", eventSubSecret: eventSubSecret)
        runtime.objectStoreSecret = objectStoreSecret
        if let databaseURL = environment.optional("DATABASE_URL") {
            guard let adminURL = environment.optional("DATABASE_ADMIN_URL") else {
                throw ConfigurationError("DATABASE_URL is set, so DATABASE_ADMIN_URL (the owner role, for migrations) must be set too")
            }
            runtime.databaseURL = databaseURL
            runtime.databaseAdminURL = adminURL
            postgres = nil
            superuserURL = nil
        } else {
            let embedded = EmbeddedPostgres(dataDirectory: directory + "/postgres", port: Int(pgPort)!, superuserPassword: superPassword,
                                            durable: durable, logger: logger)
            postgres = embedded
            superuserURL = embedded.superuserURL
            let tls = databaseTLS ? "require" : "disable"
            runtime.databaseURL = "postgresql://\(DatabaseRoles.app):\(appPassword)@127.0.0.1:\(pgPort)/\(Self.databaseName)?sslmode=\(tls)"
            runtime.databaseAdminURL = "postgresql://\(DatabaseRoles.owner):\(ownerPassword)@127.0.0.1:\(pgPort)/\(Self.databaseName)?sslmode=\(tls)"
            runtime.superuserURL = embedded.superuserURL
        }
        if let redisURL = environment.optional("REDIS_URL") {
            runtime.redisURL = redisURL
            redis = nil
        } else {
            let embedded = EmbeddedRedis(dataDirectory: directory + "/redis", port: Int(redisPort)!, password: redisPassword,
                                         durable: durable, logger: logger)
            redis = embedded
            runtime.redisURL = embedded.url
        }
        self.resolved = runtime
        self.ownerPassword = ownerPassword
        self.appPassword = appPassword
    }

    private let ownerPassword: String
    private let appPassword: String

    /// The embedded server's CA certificate (for `sslmode=verify-full`), when it has TLS.
    public var postgresRootCertificate: String? { postgres?.rootCertificate }

    /// Starts PgBouncer in front of the embedded Postgres (supervised like it) and returns the app
    /// role's URLs through it: transaction pooling, and session pooling.
    public func startPgBouncer() async throws -> (transaction: String, session: String) {
        guard let postgres else { throw ConfigurationError("PgBouncer needs the embedded Postgres (DATABASE_URL is set)") }
        let directory = postgres.dataDirectory + "/pgbouncer"
        let bouncer = EmbeddedPgBouncer(directory: directory, port: try Ports.freeServerPort(), postgresPort: postgres.port,
                                        database: Self.databaseName,
                                        users: [(DatabaseRoles.app, appPassword), (DatabaseRoles.owner, ownerPassword)])
        try await supervisor.start(.init(name: "pgbouncer") { try await bouncer.launch() })
        return (bouncer.url(user: DatabaseRoles.app, password: appPassword, session: false),
                bouncer.url(user: DatabaseRoles.app, password: appPassword, session: true))
    }

    /// Starts what is embedded (supervised), provisions, migrates; returns the shared environment.
    /// A server already running on this data folder (left by a runner that was killed) is used
    /// as it is, not supervised and never stopped: this process did not start it.
    public func start() async throws -> RuntimeEnvironment {
        if let postgres {
            try await postgres.prepare()
            if await postgres.isRunning() {
                logger.warning("postgres of this data folder is already running (not started by this runner); using it unsupervised",
                               metadata: ["port": "\(postgres.port)"])
            } else {
                try await supervisor.start(.init(name: "postgres") { try await postgres.launch() })
            }
        }
        if let redis {
            if redis.isResponding() {
                logger.warning("redis of this data folder is already running (not started by this runner); using it unsupervised",
                               metadata: ["port": "\(redis.port)"])
            } else {
                try await supervisor.start(.init(name: "redis") { try await redis.launch() })
            }
        }
        if let superuserURL {
            try Bootstrap.provision(superuserURL: superuserURL, database: Self.databaseName,
                                    ownerPassword: ownerPassword, appPassword: appPassword)
        }
        let applied = try Migrator(connection: try PostgresConnection(url: resolved.databaseAdminURL)).migrate()
        if !applied.isEmpty { logger.info("migrations applied", metadata: ["versions": "\(applied)"]) }
        return resolved
    }

    /// Stops what this process started (and only that), newest first.
    public func stop() async {
        await supervisor.stopAll()
        if let temporaryDirectory {
            _ = try? await ChildProcess.run("/bin/rm", ["-rf", temporaryDirectory], environment: ["PATH": "/usr/bin:/bin"])
        }
    }
}
