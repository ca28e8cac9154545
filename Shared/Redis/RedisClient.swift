import BlockingIO
public import Logging
import NIOConcurrencyHelpers

/// A small pool of Redis connections used from the client's own threads.
///
/// When Redis is unreachable, the client fails fast: after a connection failure it does not try
/// to connect again until a backoff window (50 ms doubling to 5 s) has passed, so a Redis outage
/// costs callers microseconds, not a connect timeout each.
public final class RedisClient: Sendable {
    public let url: RedisURL
    private let executor: BlockingExecutor
    private let idle = NIOLockedValueBox<[RedisConnection]>([])
    private let breaker = NIOLockedValueBox<(backoff: Backoff, retryAt: UInt64)>((Backoff(), 0))
    private let logger: Logger
    private let timeoutMilliseconds: Int

    public init(url: RedisURL, size: Int = 2, timeoutMilliseconds: Int = 2_000, logger: Logger = Logger(label: "redis")) {
        self.url = url
        self.executor = BlockingExecutor(threads: size)
        self.logger = logger
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Sends one command. Error replies come back as `.error`.
    @discardableResult
    public func send(_ arguments: [String]) async throws -> RedisReply {
        try await executor.run { [self] in try withConnectionBlocking { try $0.command(arguments) } }
    }

    /// Sends several commands in one round trip.
    public func pipeline(_ commands: [[String]]) async throws -> [RedisReply] {
        try await executor.run { [self] in try withConnectionBlocking { try $0.pipeline(commands) } }
    }

    /// Runs blocking work with a pooled connection on one of the client's threads.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws -> T) async throws -> T {
        try await executor.run { [self] in try withConnectionBlocking(body) }
    }

    /// PUBLISH; returns how many subscribers received the message.
    @discardableResult
    public func publish(channel: String, message: String) async throws -> Int64 {
        let reply = try await send(["PUBLISH", channel, message])
        if case .error(let text) = reply { throw RedisError(kind: .reply, message: text) }
        return reply.integer ?? 0
    }

    /// Runs `body` with a pooled connection on the calling thread. For callers that are already on a
    /// blocking thread of their own (the ingest writer publishes right after its commit).
    public func withConnectionBlocking<T>(_ body: (RedisConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        do {
            let value = try body(connection)
            checkIn(connection)
            return value
        } catch let error as RedisError where error.kind == .connection {
            tripBreaker(error)
            throw error
        } catch {
            checkIn(connection)
            throw error
        }
    }

    public func shutdown() async {
        await executor.shutdown()
        idle.withLockedValue { $0.removeAll() }
    }

    private func checkOut() throws -> RedisConnection {
        if let connection = idle.withLockedValue({ $0.popLast() }) { return connection }
        let now = monotonicNanoseconds()
        let retryAt = breaker.withLockedValue { $0.retryAt }
        if now < retryAt {
            throw RedisError(kind: .connection, message: "\(url) is unavailable (backing off after a failure)")
        }
        do {
            let connection = try RedisConnection(url: url, timeoutMilliseconds: timeoutMilliseconds)
            breaker.withLockedValue { $0.backoff.reset(); $0.retryAt = 0 }
            return connection
        } catch let error as RedisError {
            tripBreaker(error)
            throw error
        }
    }

    private func checkIn(_ connection: RedisConnection) {
        guard connection.isHealthy else { return }
        idle.withLockedValue { $0.append(connection) }
    }

    private func tripBreaker(_ error: RedisError) {
        let delay = breaker.withLockedValue { state -> Int in
            let delay = state.backoff.nextDelayMilliseconds()
            state.retryAt = monotonicNanoseconds() + UInt64(delay) * 1_000_000
            return delay
        }
        logger.warning("redis unavailable", metadata: ["error": "\(error.message)", "retryInMs": "\(delay)"])
    }
}
