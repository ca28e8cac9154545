import BlockingIO
import Ingest
import JSONValue
import Logging
import Postgres
import Redis
import Rooms
import RumbleAPI
import RumbleStandIn
import RumbleStatus
import SecretSealing
import TestSupport
import Testing

/// The Rumble stand-in in-process on a kernel-chosen port, the test run's Postgres and Redis, an
/// ingestor publishing to the rooms, and channel rows sealed as the creators API seals them. Each
/// test uses its own channel names and restricts the poller to them (the database is shared).
struct RumbleStatusFixture {
    static let keys = try! SealingKeyRing([(id: "rumble-test", key: Array(repeating: 9, count: 32))])

    let server: RumbleStandInServer
    let baseURL: String
    let pool: PostgresPool
    let redis: RedisClient
    let ingestor: EventIngestor

    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        return logger
    }

    static func with(_ body: (RumbleStatusFixture) async throws -> Void) async throws {
        let logger = quietLogger("rumble-status-test")
        let pool = PostgresPool(url: try TestServices.sessionDatabaseURL(), size: 4, logger: logger)
        let redis = RedisClient(url: try TestServices.redisURL(), size: 1, logger: logger)
        let ingestor = EventIngestor(postgres: pool, publisher: RoomPublisher(redis: redis, logger: logger),
                                     options: .init(maxBatch: 64, lanes: 1), logger: logger)
        let server = RumbleStandInServer(logger: quietLogger("rumble-stand-in"))
        do {
            try await server.withRunning { port in
                try await body(RumbleStatusFixture(server: server, baseURL: "http://127.0.0.1:\(port)", pool: pool, redis: redis, ingestor: ingestor))
            }
        } catch {
            await pool.shutdown()
            await redis.shutdown()
            throw error
        }
        await pool.shutdown()
        await redis.shutdown()
    }

    func poller(channels: Set<String>, pollSeconds: Int = 60, keys: SealingKeyRing = RumbleStatusFixture.keys) -> RumbleStatusPoller {
        RumbleStatusPoller(client: RumbleClient(configuration: RumbleConfiguration(baseURL: baseURL, requestTimeoutSeconds: 5)), keys: keys,
                           pool: pool, ingestor: ingestor, logger: Self.quietLogger("rumble-status"),
                           options: .init(backoff: RumbleBackoff(pollSeconds: pollSeconds), onlyChannelIDs: channels))
    }

    /// A channel name no other test uses.
    static func uniqueName(_ prefix: String = "chan") -> String { "\(prefix)\(UInt32.random(in: 0...UInt32.max))" }

    /// A stand-in channel key for `name`; returns (account id, the URL its owner hands over).
    func addAccount(channel name: String) throws -> (id: String, apiURL: String) {
        let account = try server.state.addAccount(username: "owner_\(name)", channelName: name)
        return (account.id, account.apiURL(baseURL: baseURL))
    }

    /// A Twitch-less creator of `company` with a Rumble channel row whose URL is sealed the way the
    /// creators API seals it (app role, in the company's tenant scope). Returns (creator, row).
    func track(company: String, channel name: String, apiURL: String, creator existing: String? = nil,
               keys: SealingKeyRing = RumbleStatusFixture.keys) throws -> (creator: String, row: String) {
        let baseURL = self.baseURL
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        return try connection.withTenantScope(companyId: company) {
            let creator = try existing ?? connection.query("INSERT INTO creators (company_id, display_name) VALUES ($1, $2) RETURNING id::text AS id",
                                                           [company, "Rumbler \(name)"]).first!.require("id")
            let row = try connection.query("SELECT gen_random_uuid()::text AS id").first!.require("id")
            let key = try RumbleLivestreamKey(parsing: apiURL, baseURL: baseURL)
            let sealed = try keys.seal(key.canonicalURL, context: RumbleLivestreamKey.sealingContext(channelRowID: row))
            try connection.query("""
                INSERT INTO creator_channels (id, company_id, creator_id, platform, channel_id, handle, display_name, url, api_url_sealed)
                VALUES ($1, $2, $3, 'rumble', $4, $4, $4, 'https://rumble.com/c/' || $4, $5)
                """, [row, company, creator, name, sealed])
            return (creator, row)
        }
    }

    struct ChannelRow {
        let live: Bool
        let streamID: String?
        let title: String?
        let viewers: Int
        let startedAt: String?
        let failures: Int
        /// Seconds from now until the row is due.
        let dueIn: Double
    }

    static func row(_ id: String) throws -> ChannelRow {
        let row = try #require(try TestServices.superuserQuery("""
            SELECT live, live_stream_id, title, viewer_count, check_failures, extract(epoch FROM next_check_at - now())::float8 AS due_in,
                   to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at
            FROM creator_channels WHERE id = $1
            """, [id]).first)
        return ChannelRow(live: row.bool("live") ?? false, streamID: row["live_stream_id"], title: row["title"],
                          viewers: Int(try row.requireInt64("viewer_count")), startedAt: row["started_at"],
                          failures: Int(try row.requireInt64("check_failures")), dueIn: Double(try row.require("due_in")) ?? .nan)
    }

    /// Makes rows due now (a later run, without waiting for the interval).
    static func makeDue(_ rows: String...) throws {
        for row in rows { _ = try TestServices.superuserQuery("UPDATE creator_channels SET next_check_at = now() WHERE id = $1", [row]) }
    }

    /// Stored events of a Rumble channel: (company, type, message id, source, platform), in id order.
    static func events(of channel: String) throws -> [(company: String, type: String, messageID: String, source: String, platform: String)] {
        try TestServices.superuserQuery("""
            SELECT company_id::text AS company_id, subscription_type, twitch_message_id, source, platform
            FROM events WHERE broadcaster_user_id = $1 AND platform = 'rumble' ORDER BY id
            """, [channel]).rows.map {
            (try $0.require("company_id"), try $0.require("subscription_type"), try $0.require("twitch_message_id"), try $0.require("source"),
             try $0.require("platform"))
        }
    }

    static func samples(creator: String) throws -> [(platform: String, viewers: Int, streamID: String?)] {
        try TestServices.superuserQuery("SELECT platform, viewer_count, stream_id FROM viewer_samples WHERE creator_id = $1 ORDER BY sampled_at",
                                        [creator]).rows.map { (try $0.require("platform"), Int(try $0.requireInt64("viewer_count")), $0["stream_id"]) }
    }

    /// The events published on each of `channels` while `body` ran: waits for `expecting` per
    /// channel (5 s at most), then a marker per channel catches any extra one.
    func published(on channels: [String], expecting: Int = 0, during body: () async throws -> Void) async throws -> [String: [JSONValue]] {
        let subscriber = RedisSubscriber(url: try TestServices.redisURL(), channels: channels)
        subscriber.start()
        var stream = subscriber.events.makeAsyncIterator()
        guard case .subscribed? = await stream.next() else {
            await subscriber.stop()
            throw RedisError(kind: .connection, message: "subscriber did not subscribe")
        }
        do { try await body() } catch {
            await subscriber.stop()
            throw error
        }
        let marker = "marker-\(UInt64.random(in: 0...UInt64.max))"
        var received: [String: [JSONValue]] = [:]
        var done: Set<String> = []
        let redis = self.redis
        let timeout = Task {
            try await Task.sleep(for: .seconds(5))
            for channel in channels { _ = try await redis.publish(channel: channel, message: marker) }
        }
        if expecting == 0 { for channel in channels { _ = try await redis.publish(channel: channel, message: marker) } }
        while done.count < channels.count, let event = await stream.next() {
            guard case .message(let message) = event else { continue }
            if message.text == marker {
                done.insert(message.channel)
                continue
            }
            if let parsed = try? JSONParser.parse(message.text) { received[message.channel, default: []].append(parsed) }
            if expecting > 0, received[message.channel]?.count == expecting { _ = try await redis.publish(channel: message.channel, message: marker) }
        }
        timeout.cancel()
        await subscriber.stop()
        return received
    }
}
