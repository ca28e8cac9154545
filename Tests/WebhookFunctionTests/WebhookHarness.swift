import BlockingIO
import EventSub
import FunctionRuntime
import FunctionServer
import Ingest
import JSONValue
import Logging
import Postgres
import Redis
import Rooms
import TestSupport
import TwitchWebhook

/// The webhook function wired to the test run's real Postgres and Redis, answering requests the
/// way its HTTP adapter does (`HTTPFunctionServer.respond`), without sockets.
struct WebhookHarness {
    static let secret = "test-eventsub-secret-0001"
    static let previousSecret = "test-eventsub-secret-old0"

    let server: HTTPFunctionServer<TwitchWebhookFunction>
    let postgres: PostgresPool
    let redis: RedisClient
    let ingestor: EventIngestor

    init(databaseURL: String? = nil, redisURL: RedisURL? = nil, maxBatch: Int = 64, streamLockTimeoutMilliseconds: Int = 5_000) throws {
        let logger = Logger(label: "test")
        postgres = PostgresPool(url: try databaseURL ?? TestServices.sessionDatabaseURL(), size: 4, logger: logger)
        redis = RedisClient(url: try redisURL ?? TestServices.redisURL(), size: 1, timeoutMilliseconds: 300, logger: logger)
        ingestor = EventIngestor(postgres: postgres, publisher: RoomPublisher(redis: redis, logger: logger),
                                     options: .init(maxBatch: maxBatch, lanes: 2, streamLockTimeoutMilliseconds: streamLockTimeoutMilliseconds),
                                     logger: logger)
        let function = TwitchWebhookFunction(
            verifier: DeliveryVerifier(signatures: SignatureVerifier(secrets: [Self.secret, Self.previousSecret])),
            ingestor: ingestor, subscriptions: SubscriptionStatusStore(postgres: postgres),
            revocations: AuthorizationRevocations(postgres: postgres, redis: redis))
        server = HTTPFunctionServer(function: function, logger: logger)
    }

    func shutdown() async {
        await postgres.shutdown()
        await redis.shutdown()
    }

    func post(_ delivery: SignedDelivery, path: String = TwitchWebhookFunction.path, contentLength: Int? = nil) async -> FunctionResponse {
        await server.respond(to: FunctionRequest(method: "POST", path: path, headers: delivery.headers, body: delivery.body),
                             contentLength: contentLength)
    }

    static var now: String { RFC3339.format(unixSeconds: wallClockSeconds()) }

    static func follow(broadcaster: String, messageID: String = SignedDelivery.newMessageID(), secret: String = secret,
                       timestamp: String = now, follower: String = "fan") -> SignedDelivery {
        SignedDelivery.notification(
            type: "channel.follow", version: "2",
            event: ["user_id": "42", "user_login": .string(follower), "user_name": .string(follower.capitalized),
                    "broadcaster_user_id": .string(broadcaster), "broadcaster_user_login": "b", "broadcaster_user_name": "B",
                    "followed_at": .string(timestamp)],
            condition: ["broadcaster_user_id": .string(broadcaster), "moderator_user_id": .string(broadcaster)],
            secret: secret, messageID: messageID, timestamp: timestamp)
    }

    static func event(_ type: String, version: String = "1", broadcaster: String, extra: [String: JSONValue] = [:],
                      messageID: String = SignedDelivery.newMessageID()) -> SignedDelivery {
        var event: [String: JSONValue] = ["broadcaster_user_id": .string(broadcaster), "broadcaster_user_login": "b", "broadcaster_user_name": "B"]
        event.merge(extra) { _, new in new }
        return SignedDelivery.notification(type: type, version: version, event: .object(event),
                                           condition: ["broadcaster_user_id": .string(broadcaster)],
                                           secret: secret, messageID: messageID, timestamp: now)
    }

    /// A company tracking a fresh Twitch user, and a subscriber already listening on its room.
    static func watchedCompany() async throws -> (company: String, twitchUserID: String, subscriber: RedisSubscriber,
                                                  events: AsyncStream<RedisSubscriberEvent>.Iterator) {
        let company = try TestServices.makeCompany()
        let twitchID = TestServices.uniqueTwitchUserID()
        _ = try TestServices.addCreator(company: company, twitchUserID: twitchID)
        let subscriber = RedisSubscriber(url: try TestServices.redisURL(), channels: [RoomName.company(company)])
        subscriber.start()
        var events = subscriber.events.makeAsyncIterator()
        _ = await events.next()  // subscribed
        return (company, twitchID, subscriber, events)
    }

    /// Rows of `events` for a message id across every tenant (superuser view).
    static func storedRows(messageID: String) throws -> [QueryResult.Row] {
        try TestServices.superuserQuery("SELECT company_id, creator_id, subscription_type, payload::text AS payload FROM events WHERE twitch_message_id = $1 ORDER BY company_id", [messageID]).rows
    }
}

extension String {
    var capitalized: String { prefix(1).uppercased() + dropFirst() }
}

extension SignedDelivery {
    /// The same delivery with one header replaced or removed.
    func replacing(_ name: String, with value: String?) -> SignedDelivery {
        var headers = self.headers.filter { $0.0.lowercased() != name.lowercased() }
        if let value { headers.append((name, value)) }
        return SignedDelivery(headers: headers, body: body)
    }

    func withBody(_ body: [UInt8]) -> SignedDelivery { SignedDelivery(headers: headers, body: body) }

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}
