import BlockingIO
import EventSub
import FunctionRuntime
import FunctionServer
import Ingest
import JSONValue
import Logging
import Postgres
import Redis
import TestSupport
import TwitchWebhook

/// The webhook function wired to the test run's Postgres and Redis, answering signed deliveries
/// the way its HTTP adapter does: the real ingest path (store, then PUBLISH to the rooms).
struct Webhook {
    static let secret = "relay-test-eventsub-secret-01"

    let server: HTTPFunctionServer<TwitchWebhookFunction>
    let postgres: PostgresPool
    let redis: RedisClient

    /// `publishes: false` stores without publishing: a webhook process killed between its COMMIT
    /// and its PUBLISH, as the relay sees it.
    init(redisURL: RedisURL? = nil, publishes: Bool = true) throws {
        var logger = Logger(label: "webhook-under-test")
        logger.logLevel = .error
        postgres = PostgresPool(url: try TestServices.sessionDatabaseURL(), size: 4, logger: logger)
        redis = RedisClient(url: try redisURL ?? TestServices.redisURL(), size: 1, timeoutMilliseconds: 500, logger: logger)
        let ingestor = EventIngestor(postgres: postgres, publisher: publishes ? RoomPublisher(redis: redis, logger: logger) : nil,
                                     options: .init(maxBatch: 64, lanes: 2), logger: logger)
        server = HTTPFunctionServer(function: TwitchWebhookFunction(
            verifier: DeliveryVerifier(signatures: SignatureVerifier(secrets: [Self.secret])),
            ingestor: ingestor, subscriptions: SubscriptionStatusStore(postgres: postgres)), logger: logger)
    }

    func shutdown() async {
        await postgres.shutdown()
        await redis.shutdown()
    }

    /// Posts a signed `channel.follow` for `broadcaster`; returns the HTTP status.
    @discardableResult
    func follow(broadcaster: String, follower: String = "fan") async -> Int {
        let now = RFC3339.format(unixSeconds: wallClockSeconds())
        let delivery = SignedDelivery.notification(
            type: "channel.follow", version: "2",
            event: ["user_id": "42", "user_login": .string(follower), "user_name": .string(follower),
                    "broadcaster_user_id": .string(broadcaster), "broadcaster_user_login": "b", "broadcaster_user_name": "B",
                    "followed_at": .string(now)],
            condition: ["broadcaster_user_id": .string(broadcaster), "moderator_user_id": .string(broadcaster)],
            secret: Self.secret, messageID: SignedDelivery.newMessageID(), timestamp: now)
        let response = await server.respond(to: FunctionRequest(method: "POST", path: TwitchWebhookFunction.path,
                                                                headers: delivery.headers, body: delivery.body))
        return response.status
    }
}

/// A company with one tracked creator.
struct Tenant {
    let company: String
    let creator: String
    let twitchUserID: String

    static func make(_ name: String = "Relay Agency") throws -> Tenant {
        let company = try TestServices.makeCompany(name)
        let twitch = TestServices.uniqueTwitchUserID()
        let creator = try TestServices.addCreator(company: company, twitchUserID: twitch)
        return Tenant(company: company, creator: creator, twitchUserID: twitch)
    }

    /// Every stored event id of this company, in order (superuser view, for assertions).
    func storedEventIDs(after: Int64 = 0) throws -> [Int64] {
        try TestServices.superuserQuery("SELECT id FROM events WHERE company_id = $1 AND id > $2 ORDER BY id", [company, after]).rows
            .compactMap { $0["id"].flatMap { Int64($0) } }
    }
}
