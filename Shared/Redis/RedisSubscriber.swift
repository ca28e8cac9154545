import BlockingIO
public import Logging
import NIOConcurrencyHelpers

/// A message received on a subscribed channel.
public struct RedisPubSubMessage: Sendable {
    public let channel: String
    /// The pattern that matched, for PSUBSCRIBE subscriptions.
    public let pattern: String?
    public let payload: [UInt8]

    public var text: String { String(decoding: payload, as: UTF8.self) }
}

/// What a subscriber reports to its consumer.
public enum RedisSubscriberEvent: Sendable {
    /// The subscriptions are active (first connect and after every reconnect). Messages published
    /// while the subscriber was disconnected are lost (pub/sub keeps nothing): consumers that must
    /// not miss anything catch up from the durable store when they see this after a `disconnected`.
    case subscribed
    case message(RedisPubSubMessage)
    case disconnected(String)
}

/// SUBSCRIBE/PSUBSCRIBE on a dedicated connection and thread, reconnecting with backoff, feeding
/// an AsyncStream. One consumer per subscriber.
public final class RedisSubscriber: Sendable {
    public let url: RedisURL
    public let channels: [String]
    public let patterns: [String]
    public let events: AsyncStream<RedisSubscriberEvent>
    private let continuation: AsyncStream<RedisSubscriberEvent>.Continuation
    private let executor = BlockingExecutor(threads: 1)
    private let state = NIOLockedValueBox<(stopped: Bool, connection: RedisConnection?, reconnects: Int)>((false, nil, 0))
    private let logger: Logger

    public init(url: RedisURL, channels: [String] = [], patterns: [String] = [], logger: Logger = Logger(label: "redis.subscriber")) {
        precondition(!channels.isEmpty || !patterns.isEmpty, "subscribe to at least one channel or pattern")
        self.url = url
        self.channels = channels
        self.patterns = patterns
        self.logger = logger
        (self.events, self.continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// How many times the connection was re-established after breaking.
    public var reconnects: Int { state.withLockedValue { $0.reconnects } }

    public func start() {
        Task { [self] in try? await executor.run { [self] in runLoop() } }
    }

    public func stop() async {
        let connection = state.withLockedValue { state -> RedisConnection? in
            state.stopped = true
            return state.connection
        }
        connection?.interrupt()
        continuation.finish()
        await executor.shutdown()
    }

    private var isStopped: Bool { state.withLockedValue { $0.stopped } }

    private func runLoop() {
        var backoff = Backoff(initialMilliseconds: 50, maximumMilliseconds: 2_000)
        var everConnected = false
        while !isStopped {
            do {
                let connection = try RedisConnection(url: url, readTimeout: false)
                state.withLockedValue { $0.connection = connection }
                if !channels.isEmpty { try connection.append(["SUBSCRIBE"] + channels) }
                if !patterns.isEmpty { try connection.append(["PSUBSCRIBE"] + patterns) }
                var confirmations = channels.count + patterns.count
                if everConnected { state.withLockedValue { $0.reconnects += 1 } }
                everConnected = true
                while !isStopped {
                    let reply = try connection.readReply()
                    // A refused subscription (an ACL user without the channel: NOPERM) is an
                    // error reply, not a confirmation: report it and retry, never wait silently.
                    if case .error(let message) = reply {
                        throw RedisError(kind: .reply, message: "\(url): SUBSCRIBE/PSUBSCRIBE refused: \(message)")
                    }
                    guard let parts = reply.array, let kind = parts.first?.string else { continue }
                    switch kind {
                    case "subscribe", "psubscribe":
                        confirmations -= 1
                        if confirmations == 0 {
                            backoff.reset()  // only once subscribed: a refused subscription keeps backing off
                            continuation.yield(.subscribed)
                        }
                    case "message" where parts.count == 3:
                        if case .bulk(let payload) = parts[2] {
                            continuation.yield(.message(RedisPubSubMessage(channel: parts[1].string ?? "", pattern: nil, payload: payload)))
                        }
                    case "pmessage" where parts.count == 4:
                        if case .bulk(let payload) = parts[3] {
                            continuation.yield(.message(RedisPubSubMessage(
                                channel: parts[2].string ?? "", pattern: parts[1].string, payload: payload)))
                        }
                    default:
                        break
                    }
                }
            } catch {
                state.withLockedValue { $0.connection = nil }
                if isStopped { break }
                continuation.yield(.disconnected("\(error)"))
                let delay = backoff.nextDelayMilliseconds()
                logger.warning("redis subscriber disconnected", metadata: ["error": "\(error)", "retryInMs": "\(delay)"])
                sleepMilliseconds(delay)
            }
        }
        state.withLockedValue { $0.connection = nil }
    }
}
