import BlockingIO
public import Logging
import NIOConcurrencyHelpers

/// A fixed-size pool of libpq connections, each used on a thread of the pool's own
/// `BlockingExecutor` (as many threads as connections), so blocking libpq calls never run on an
/// event loop. Connections are opened lazily and replaced when they break.
public final class PostgresPool: Sendable {
    public let size: Int
    private let url: String
    private let executor: BlockingExecutor
    private let idle: NIOLockedValueBox<[PostgresConnection]>
    private let logger: Logger

    private let preparesStatements: Bool
    /// Whether its connections pipeline statements sent ahead.
    public let pipelines: Bool

    /// `preparesStatements`, `pipelines`: see `PostgresConnection.init(url:preparesStatements:pipelines:)`.
    public init(url: String, size: Int = 4, preparesStatements: Bool = PostgresConnection.preparesStatementsByDefault,
                pipelines: Bool = false, logger: Logger = Logger(label: "postgres")) {
        self.url = Self.withDefaults(url)
        self.preparesStatements = preparesStatements
        self.pipelines = pipelines
        self.size = size
        self.executor = BlockingExecutor(threads: size)
        self.idle = NIOLockedValueBox([])
        self.logger = logger
    }

    /// Runs `body` with a connection on a pool thread. A connection that broke is dropped.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await executor.run { [self] in
            let connection = try checkOut()
            do {
                let value = try body(connection)
                checkIn(connection)
                return value
            } catch {
                checkIn(connection)
                throw error
            }
        }
    }

    /// Runs `body` in a transaction.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { connection in try connection.withTransaction { try body(connection) } }
    }

    /// Runs `body` in a transaction scoped to one tenant (see `withTenantScope`).
    public func tenant<T: Sendable>(
        _ companyId: String, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try connection.withTenantScope(companyId: companyId) { try body(connection) }
        }
    }

    /// Starts `warmUp` and returns at once, so a function opens its port while its connections
    /// open (a cold start's first request waits only for what is still missing, instead of the
    /// port waiting for all of them). A database that is down at start is not fatal: logged, and
    /// requests get 503 until it is back.
    public func startWarmUp(connections: Int = 1) {
        Task { [self] in
            do { try await warmUp(connections: connections) } catch {
                logger.warning("postgres not reachable at start", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Opens `connections` connections now, side by side, so that the first request does not
    /// pay for them one after another (cold start: each is a TLS handshake and a SCRAM exchange,
    /// and a webhook's first delivery needs one for its router and one per lane).
    public func warmUp(connections: Int = 1) async throws {
        let count = min(max(1, connections), size)
        // Each goes into the pool as soon as it answers: a request arriving meanwhile takes the
        // first one ready instead of opening another.
        try await withThrowingTaskGroup(of: PostgresConnection.self) { group in
            for _ in 0..<count {
                group.addTask { [self] in
                    try await executor.run { [self] in
                        let connection = try PostgresConnection(url: url, preparesStatements: preparesStatements, pipelines: pipelines)
                        _ = try connection.query("SELECT 1")
                        return connection
                    }
                }
            }
            for try await connection in group { checkIn(connection) }
        }
    }

    /// Connections open and waiting in the pool (not lent out).
    public var idleConnections: Int { idle.withLockedValue { $0.count } }

    public func shutdown() async {
        await executor.shutdown()
        idle.withLockedValue { $0.removeAll() }
    }

    private func checkOut() throws -> PostgresConnection {
        if let connection = idle.withLockedValue({ $0.popLast() }) { return connection }
        return try PostgresConnection(url: url, preparesStatements: preparesStatements, pipelines: pipelines)
    }

    private func checkIn(_ connection: PostgresConnection) {
        connection.discardAhead()
        guard connection.isHealthy else {
            logger.warning("dropping a broken postgres connection")
            return
        }
        if connection.isInTransaction { _ = try? connection.query("ROLLBACK") }
        guard connection.isHealthy, !connection.isInTransaction else { return }
        idle.withLockedValue { $0.append(connection) }
    }

    /// A short connect timeout so that "Postgres is down" becomes an error quickly, not a hang.
    static func withDefaults(_ url: String) -> String {
        guard !url.contains("connect_timeout") else { return url }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return url + (url.contains("?") ? "&" : "?") + "connect_timeout=3"
        }
        return url + " connect_timeout=3"
    }
}
