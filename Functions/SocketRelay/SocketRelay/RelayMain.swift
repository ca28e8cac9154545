import Access
import AsyncHTTPClient
import BlockingIO
import AccessTokens
public import Logging
import Postgres
import Redis
import Rooms
import Settings
import FunctionRuntime
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// The `socket-relay` executable: `FunctionMain.run` (configuration from the environment, exit 2
/// when it is bad, JSON logs on stderr) with one `RelayService`: serve until SIGTERM/SIGINT,
/// drain, exit 0.
public enum RelayMain {
    public static func run(arguments: [String]) async -> Never {
        let conformance = arguments.contains("--conformance")
        await FunctionMain.run(name: "socket-relay") { environment, logger in
            [RelayService(configuration: try RelayConfiguration.load(environment: environment, conformance: conformance), logger: logger)]
        }
    }

    /// Builds the relay from a configuration and starts listening (also used by tests, in process).
    public static func start(configuration: RelayConfiguration, logger: Logger) async throws -> RelayServer {
        let server: RelayServer
        if configuration.mode == .conformance {
            let core = RelayCore(configuration: configuration, application: ConformanceApplication(), logger: logger)
            server = try await RelayServer(core: core, broadcaster: nil, onShutdown: {})
        } else {
            let dependencies = try await RelayDependencies.load(configuration, logger: logger)
            let recovery = RecoveryService(pool: dependencies.pool, windowSeconds: configuration.recoveryWindowSeconds,
                                           maxEvents: configuration.maxRecoveryEvents)
            let application = RelayApplication(verifier: dependencies.verifier, access: dependencies.access, recovery: recovery,
                                               creators: CreatorAccess(pool: dependencies.pool))
            let core = RelayCore(configuration: configuration, application: application, logger: logger)
            let published = RecentlyPublished()
            let check = UnpublishedEventCheck(core: core, pool: dependencies.pool, recovery: recovery, published: published,
                                              intervalMilliseconds: configuration.unpublishedCheckIntervalMilliseconds)
            let broadcaster = Broadcaster(core: core, subscriber: dependencies.subscriber, recovery: recovery, published: published,
                                          unpublishedCheck: check,
                                          accessSweep: AccessSweep(core: core, access: dependencies.access,
                                                                   intervalMilliseconds: configuration.accessCheckIntervalMilliseconds))
            server = try await RelayServer(core: core, broadcaster: broadcaster, onShutdown: {
                await dependencies.subscriber.stop()
                await dependencies.pool.shutdown()
                try? await dependencies.httpClient?.shutdown()
            })
            dependencies.subscriber.start()
        }
        logger.info("socket relay listening", metadata: [
            "host": "\(configuration.host)", "port": "\(server.port)", "mode": "\(configuration.mode)",
            "pingIntervalMs": "\(configuration.pingIntervalMilliseconds)", "pingTimeoutMs": "\(configuration.pingTimeoutMilliseconds)",
            "eventLoops": "\(configuration.eventLoops)",
        ])
        return server
    }
}

/// The relay as a service of its executable's `ServiceGroup`: listens until graceful shutdown,
/// then drains its sockets and closes its connections.
struct RelayService: Service {
    let configuration: RelayConfiguration
    let logger: Logger

    func run() async throws {
        let server = try await RelayMain.start(configuration: configuration, logger: logger)
        try? await gracefulShutdown()
        logger.info("socket relay draining")
        await server.shutdown()
        logger.info("socket relay stopped")
    }
}

/// The relay's connections to the rest of the system, configured exactly like the REST functions
/// (`APIDependencies`): the same `AccessTokenVerifier` (the project's keys from the database, plus
/// `JWT_JWKS_URL` or `JWT_JWKS_FILE`) and the same `AccessCheck`.
struct RelayDependencies: Sendable {
    let verifier: AccessTokenVerifier
    let access: AccessCheck
    let pool: PostgresPool
    let subscriber: RedisSubscriber
    let httpClient: HTTPClient?

    static func load(_ configuration: RelayConfiguration, logger: Logger) async throws -> RelayDependencies {
        guard let issuer = configuration.jwtIssuer, let audience = configuration.jwtAudience,
              let redisText = configuration.redisURL, let databaseURL = configuration.databaseURL
        else { throw ConfigurationError("REDIS_URL, DATABASE_URL, JWT_ISSUER and JWT_AUDIENCE must be set") }
        // The same verifier configuration as the REST functions (one code path for both).
        var settings: [String: String] = ["JWT_ISSUER": issuer, "JWT_AUDIENCE": audience]
        settings["JWT_JWKS_URL"] = configuration.jwksURL
        settings["JWT_JWKS_FILE"] = configuration.jwksFile
        let httpClient = configuration.jwksURL == nil ? nil : HTTPClient(eventLoopGroupProvider: .singleton)
        let pool = PostgresPool(url: databaseURL, size: configuration.databasePoolSize, logger: logger)
        let verifier = try AccessTokenVerifier.fromEnvironment(Environment(settings), httpClient: httpClient ?? .shared, logger: logger,
                                                               ownKeys: DatabaseKeySource(pool: pool))
        let redisURL: RedisURL
        do { redisURL = try RedisURL(parsing: redisText) } catch let error as RedisError { throw ConfigurationError(error.message) }
        pool.startWarmUp()
        let subscriber = RedisSubscriber(url: redisURL, patterns: [RoomName.allRooms], logger: logger)
        // The sweep asks for every open socket at once; connects ask one by one, cached briefly.
        let access = AccessCheck(pool: pool, cacheSeconds: 1, now: wallClockSeconds)
        return RelayDependencies(verifier: verifier, access: access, pool: pool,
                                 subscriber: subscriber, httpClient: httpClient)
    }
}
