import BlockingIO
import EventSub
import Ingest
import JSONValue
import Postgres
import Redis
import Rooms
import Settings
import StatusReconciliation
import TestSupport
import Testing
import TwitchAPI
import TwitchStandIn

/// Status reconciliation against the Twitch stand-in, the test run's Postgres and Redis. Each test
/// uses its own Twitch user ids and restricts the reconciler to them (the database is shared).
@Suite struct StatusReconciliationTests {
    typealias Fixture = TwitchJobFixture

    struct Context {
        let standIn: Fixture.StandIn
        let pool: PostgresPool
        let redis: RedisClient
        let ingestor: EventIngestor

        func reconciler(users: Set<String>, graceSeconds: Double = 0) -> StatusReconciler {
            StatusReconciler(helix: standIn.makeClient(), pool: pool, ingestor: ingestor, logger: Fixture.quietLogger("status"),
                             options: .init(graceSeconds: graceSeconds, onlyTwitchUserIDs: users), sleep: { _ in })
        }

        /// A Twitch user the stand-in knows, tracked by `companies` (creator ids in the same order).
        func trackedUser(by companies: [String]) throws -> (id: String, creators: [String]) {
            let id = TestServices.uniqueTwitchUserID()
            try standIn.state.addUser(id: id, login: "st\(id.suffix(10))", displayName: "Streamer\(id.suffix(4))")
            let creators = try companies.map { try TestServices.addCreator(company: $0, twitchUserID: id, login: "st\(id.suffix(10))") }
            return (id, creators)
        }
    }

    func withContext(_ body: (Context) async throws -> Void) async throws {
        let logger = Fixture.quietLogger("status-test")
        let pool = PostgresPool(url: try TestServices.sessionDatabaseURL(), size: 4, logger: logger)
        let redis = RedisClient(url: try TestServices.redisURL(), size: 1, logger: logger)
        let ingestor = EventIngestor(postgres: pool, publisher: RoomPublisher(redis: redis, logger: logger),
                                     options: .init(maxBatch: 64, lanes: 1), logger: logger)
        do {
            try await Fixture.withStandIn { standIn in
                try await body(Context(standIn: standIn, pool: pool, redis: redis, ingestor: ingestor))
            }
        } catch {
            await pool.shutdown()
            await redis.shutdown()
            throw error
        }
        await pool.shutdown()
        await redis.shutdown()
    }

    struct StatusRow {
        let live: Bool
        let title: String?
        let categoryID: String?
        let categoryName: String?
        let viewerCount: Int
        let startedAt: Double?
    }

    static func status(creator: String) throws -> StatusRow? {
        guard let row = try TestServices.superuserQuery("""
            SELECT live, title, category_id, category_name, viewer_count, extract(epoch FROM started_at)::float8 AS started_at
            FROM creator_status WHERE creator_id = $1
            """, [creator]).first else { return nil }
        return StatusRow(live: row.bool("live") ?? false, title: row["title"], categoryID: row["category_id"],
                         categoryName: row["category_name"], viewerCount: Int(try row.requireInt64("viewer_count")),
                         startedAt: row["started_at"].flatMap(Double.init))
    }

    /// Synthetic events stored for a Twitch user: (company, type, message id), in id order.
    static func pollEvents(of twitchUserID: String) throws -> [(company: String, creator: String?, type: String, messageID: String)] {
        try TestServices.superuserQuery("""
            SELECT company_id::text AS company_id, creator_id::text AS creator_id, subscription_type, twitch_message_id
            FROM events WHERE broadcaster_user_id = $1 AND source = 'poll' ORDER BY id
            """, [twitchUserID]).rows.map {
            (try $0.require("company_id"), $0["creator_id"], try $0.require("subscription_type"), try $0.require("twitch_message_id"))
        }
    }

    static func samples(creator: String) throws -> [(company: String, viewers: Int)] {
        try TestServices.superuserQuery("SELECT company_id::text AS company_id, viewer_count FROM viewer_samples WHERE creator_id = $1",
                                        [creator]).rows.map { (try $0.require("company_id"), Int(try $0.requireInt64("viewer_count"))) }
    }

    static func minute() -> Int { Int(wallClockSeconds() / 60) }

    /// The events published on `channel` while `body` ran. The ingestor resumes its callers at
    /// COMMIT and publishes right after, so the run may return before its PUBLISH: wait for
    /// `expecting` events (5 s at most), then a marker catches any extra one.
    static func published(on channel: String, redis: RedisClient, expecting: Int = 0,
                          during body: () async throws -> Void) async throws -> [CompactEvent] {
        let subscriber = RedisSubscriber(url: try TestServices.redisURL(), channels: [channel])
        subscriber.start()
        var events = subscriber.events.makeAsyncIterator()
        guard case .subscribed? = await events.next() else {
            await subscriber.stop()
            throw RedisError(kind: .connection, message: "subscriber did not subscribe")
        }
        do { try await body() } catch {
            await subscriber.stop()
            throw error
        }
        let marker = "marker-\(TestServices.uniqueTwitchUserID())"
        var received: [CompactEvent] = []
        // The marker goes out once `expecting` events came, or after 5 s whatever came.
        let timeout = Task {
            try await Task.sleep(for: .seconds(5))
            _ = try await redis.publish(channel: channel, message: marker)
        }
        if expecting == 0 { _ = try await redis.publish(channel: channel, message: marker) }
        while let event = await events.next() {
            guard case .message(let message) = event else { continue }
            if message.text == marker { break }
            if let parsed = try? JSONParser.parse(message.text), let compact = CompactEvent(json: parsed) { received.append(compact) }
            if expecting > 0 && received.count == expecting { _ = try await redis.publish(channel: channel, message: marker) }
        }
        timeout.cancel()
        await subscriber.stop()
        return received
    }

    @Test func aLiveStreamerBecomesLiveWithASampleAndOneSyntheticOnline() async throws {
        try await withContext { context in
            let company = try TestServices.makeCompany("Status Agency")
            let user = try context.trackedUser(by: [company])
            let creator = user.creators[0]
            let stream = try context.standIn.state.setLive(userID: user.id, title: "Speedrun", gameID: "509658",
                                                           gameName: "Just Chatting", viewerCount: 42)
            let reconciler = context.reconciler(users: [user.id])

            let minuteBefore = Self.minute()
            var first = StatusReport()
            let published = try await Self.published(on: RoomName.company(company), redis: context.redis, expecting: 1) {
                first = try await reconciler.run()
            }
            #expect(first.polled == 1 && first.live == 1)
            #expect(first.wentOnline == 1 && first.wentOffline == 0)
            #expect(first.syntheticEvents == 1)
            #expect(first.samples == 1)

            let status = try #require(try Self.status(creator: creator))
            #expect(status.live)
            #expect(status.title == "Speedrun")
            #expect(status.categoryID == "509658")
            #expect(status.categoryName == "Just Chatting")
            #expect(status.viewerCount == 42)
            #expect(status.startedAt.map { abs($0 - (RFC3339.unixSeconds(stream.startedAt) ?? 0)) < 0.001 } == true)

            let events = try Self.pollEvents(of: user.id)
            #expect(events.count == 1)
            #expect(events.first?.type == "stream.online")
            #expect(events.first?.company == company)
            #expect(events.first?.creator == creator)
            #expect(events.first?.messageID.hasPrefix("poll:\(user.id):online:") == true)
            let payload = try TestServices.superuserQuery("SELECT data::text AS data, payload::text AS payload FROM events WHERE twitch_message_id = $1",
                                                          [events[0].messageID]).first
            let data = try JSONParser.parse(try #require(payload?["data"]))
            #expect(data["streamId"]?.stringValue == stream.id)
            #expect(data["streamType"]?.stringValue == "live")
            #expect(data["startedAt"]?.stringValue == stream.startedAt)
            #expect(try JSONParser.parse(try #require(payload?["payload"]))["source"]?.stringValue == "poll")

            // Published once to the company's room, marked as coming from the poll.
            #expect(published.count == 1)
            #expect(published.first?.type == "stream.online")
            #expect(published.first?.source == "poll")
            #expect(published.first?.creatorID == creator)
            #expect(try Self.samples(creator: creator).map(\.viewers) == [42])

            // Re-running changes nothing and emits nothing (and, within the minute, samples nothing).
            var second = StatusReport()
            let republished = try await Self.published(on: RoomName.company(company), redis: context.redis) {
                second = try await reconciler.run()
            }
            #expect(second.wentOnline == 0 && second.syntheticEvents == 0)
            #expect(republished.isEmpty)
            #expect(try Self.pollEvents(of: user.id).count == 1)
            if Self.minute() == minuteBefore {
                #expect(second.samples == 0)
                #expect(try Self.samples(creator: creator).count == 1)
            }

            // Viewers and title follow the poll.
            try context.standIn.state.setLive(userID: user.id, title: "Any% attempt", gameID: "509658", gameName: "Just Chatting",
                                              viewerCount: 99)
            let third = try await reconciler.run()
            #expect(third.syntheticEvents == 0)
            #expect(third.statusesUpdated == 1)
            let updated = try #require(try Self.status(creator: creator))
            #expect(updated.live && updated.viewerCount == 99 && updated.title == "Any% attempt")
        }
    }

    @Test func goingOfflineEmitsOneSyntheticOffline() async throws {
        try await withContext { context in
            let company = try TestServices.makeCompany("Status Agency")
            let user = try context.trackedUser(by: [company])
            try context.standIn.state.setLive(userID: user.id, title: "Late show", viewerCount: 7)
            let reconciler = context.reconciler(users: [user.id])
            #expect(try await reconciler.run().wentOnline == 1)

            context.standIn.state.setOffline(userID: user.id)
            var offline = StatusReport()
            let published = try await Self.published(on: RoomName.company(company), redis: context.redis, expecting: 1) {
                offline = try await reconciler.run()
            }
            #expect(offline.wentOffline == 1 && offline.wentOnline == 0)
            #expect(offline.syntheticEvents == 1)
            #expect(offline.live == 0 && offline.samples == 0)
            let status = try #require(try Self.status(creator: user.creators[0]))
            #expect(!status.live)
            #expect(status.viewerCount == 0)
            #expect(published.map(\.type) == ["stream.offline"])
            #expect(published.first?.source == "poll")

            let again = try await reconciler.run()
            #expect(again.syntheticEvents == 0 && again.wentOffline == 0)
            #expect(try Self.pollEvents(of: user.id).map(\.type) == ["stream.online", "stream.offline"])

            // Live again (a new stream): a new synthetic online, distinct from the first.
            try context.standIn.state.setLive(userID: user.id, title: "Encore", viewerCount: 3)
            #expect(try await reconciler.run().wentOnline == 1)
            let events = try Self.pollEvents(of: user.id)
            #expect(events.map(\.type) == ["stream.online", "stream.offline", "stream.online"])
            #expect(Set(events.map(\.messageID)).count == 3)
            #expect(try Self.status(creator: user.creators[0])?.live == true)
        }
    }

    @Test func nothingSyntheticWhenTheWebhookReportedIt() async throws {
        try await withContext { context in
            let company = try TestServices.makeCompany("Status Agency")
            let user = try context.trackedUser(by: [company])
            let stream = try context.standIn.state.setLive(userID: user.id, title: "Webhook was on time", viewerCount: 12)
            // The webhook's stream.online, as the webhook function ingests it.
            let webhook = NormalizedNotification(
                messageID: "webhook-\(user.id)", subscriptionID: "sub", subscriptionType: "stream.online", subscriptionVersion: "1",
                occurredAt: stream.startedAt, broadcaster: TwitchUser(id: user.id, login: nil, name: nil), routingUserIDs: [user.id],
                data: ["streamId": .string(stream.id), "streamType": "live", "startedAt": .string(stream.startedAt)],
                rawBody: Array(#"{"subscription":{},"event":{}}"#.utf8))
            #expect(try await context.ingestor.ingest(webhook).stored.count == 1)

            let report = try await context.reconciler(users: [user.id]).run()
            #expect(report.syntheticEvents == 0)
            #expect(report.samples == 1)
            #expect(report.statusesUpdated == 1)
            #expect(try Self.pollEvents(of: user.id).isEmpty)
            let status = try #require(try Self.status(creator: user.creators[0]))
            #expect(status.live && status.viewerCount == 12 && status.title == "Webhook was on time")
        }
    }

    @Test func twoCompaniesTrackingTheSameStreamerEachGetTheirOwnRows() async throws {
        try await withContext { context in
            let first = try TestServices.makeCompany("First Agency"), second = try TestServices.makeCompany("Second Agency")
            let bystander = try TestServices.makeCompany("Bystander Agency")
            let shared = try context.trackedUser(by: [first, second])
            let other = try context.trackedUser(by: [bystander])
            try context.standIn.state.setLive(userID: shared.id, title: "Collab", viewerCount: 500)

            let report = try await context.reconciler(users: [shared.id, other.id]).run()
            #expect(report.polled == 2 && report.live == 1)
            #expect(report.wentOnline == 1)
            #expect(report.syntheticEvents == 2)
            #expect(report.samples == 2)

            let events = try Self.pollEvents(of: shared.id)
            #expect(Set(events.map(\.company)) == [first, second])
            #expect(Set(events.compactMap(\.creator)) == Set(shared.creators))
            #expect(Set(events.map(\.messageID)).count == 1)
            for (company, creator) in zip([first, second], shared.creators) {
                #expect(try Self.samples(creator: creator).map(\.company) == [company])
                #expect(try Self.status(creator: creator)?.viewerCount == 500)
            }
            #expect(try Self.pollEvents(of: other.id).isEmpty)
            #expect(try Self.status(creator: other.creators[0]) == nil)

            // In a company's own scope only its rows are visible.
            let counts = try await context.pool.tenant(first) { connection in
                (try connection.query("SELECT count(*) AS n FROM events WHERE broadcaster_user_id = $1", [shared.id]).first?.requireInt64("n"),
                 try connection.query("SELECT count(*) AS n FROM viewer_samples").first?.requireInt64("n"),
                 try connection.query("SELECT count(*) AS n FROM creator_status WHERE company_id <> $1", [first]).first?.requireInt64("n"))
            }
            #expect(counts.0 == 1)
            #expect(counts.1 == 1)
            #expect(counts.2 == 0)
        }
    }

    @Test func twoReconcilersAtOnceEmitOnce() async throws {
        try await withContext { context in
            let company = try TestServices.makeCompany("Status Agency")
            let user = try context.trackedUser(by: [company])
            try context.standIn.state.setLive(userID: user.id, title: "Race", viewerCount: 5)
            let one = context.reconciler(users: [user.id]), two = context.reconciler(users: [user.id])
            async let a = one.run()
            async let b = two.run()
            let reports = try await [a, b]
            #expect(reports.map(\.syntheticEvents).reduce(0, +) == 1)
            #expect(try Self.pollEvents(of: user.id).count == 1)
            #expect(try Self.samples(creator: user.creators[0]).count <= 2)
        }
    }

    @Test func aContradictionYoungerThanTheGracePeriodWaits() async throws {
        try await withContext { context in
            let company = try TestServices.makeCompany("Status Agency")
            let user = try context.trackedUser(by: [company])
            try context.standIn.state.setLive(userID: user.id, title: "Just started", viewerCount: 1)
            #expect(try await context.reconciler(users: [user.id]).run().wentOnline == 1)

            // Helix may not list a stream that went live moments ago: no offline yet.
            context.standIn.state.setOffline(userID: user.id)
            let patient = try await context.reconciler(users: [user.id], graceSeconds: 300).run()
            #expect(patient.deferred == 1)
            #expect(patient.syntheticEvents == 0)
            #expect(try Self.status(creator: user.creators[0])?.live == true)
        }
    }

    @Test func configurationComesFromTheEnvironment() async throws {
        let complete: [String: String] = [
            "TWITCH_CLIENT_ID": "id", "TWITCH_CLIENT_SECRET": "secret", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "REDIS_URL": "redis://127.0.0.1:1", "TWITCH_AUTH_BASE_URL": "http://127.0.0.1:9/oauth2",
        ]
        let reconciler = try StatusReconciler.fromEnvironment(.init(complete), logger: Fixture.quietLogger("config"))
        #expect(reconciler.helix.configuration.apiBaseURL == HelixConfiguration.twitchAPIBaseURL)
        #expect(reconciler.helix.configuration.authBaseURL == "http://127.0.0.1:9/oauth2")
        #expect(reconciler.options.graceSeconds == 120)
        await reconciler.shutdown()
        for missing in ["TWITCH_CLIENT_SECRET", "DATABASE_URL", "REDIS_URL"] {
            var values = complete
            values[missing] = nil
            #expect(throws: (any Error).self) { try StatusReconciler.fromEnvironment(.init(values), logger: Fixture.quietLogger("config")) }
        }
        var badRedis = complete
        badRedis["REDIS_URL"] = "http://nope"
        #expect(throws: ConfigurationError.self) { try StatusReconciler.fromEnvironment(.init(badRedis), logger: Fixture.quietLogger("config")) }
    }
}
