import BlockingIO
import FunctionRuntime
import FunctionServer
import Ingest
import JobQueue
import JSONValue
import Logging
import Postgres
import Redis
import Synchronization
import TestSupport
import Testing
import WebSub
import YouTubeAPI
import YouTubeStandIn
import YouTubeStatus
import YouTubeSubscriptions
import YouTubeWebhook

/// A clock tests move (quota days, re-check pacing) without waiting; wall time until moved.
final class TestClock: Sendable {
    private let offset = Mutex<Double>(0)

    func now() -> Double { wallClockSeconds() + offset.withLock { $0 } }
    func advance(by seconds: Double) { offset.withLock { $0 += seconds } }
}

/// One test's YouTube world: the stand-in (Google's hub and Data API, in this process, real HTTP),
/// the `youtube-webhook` served on a loopback port the hub calls back, the test run's Postgres and
/// Redis, and, per test, its own job queue, quota budget, Redis keys and channels (the database
/// and Redis are shared with other suites, so every job is scoped to this test's channels).
struct YouTubeWorld {
    static let master = "youtube-function-tests-master-secret"

    let standIn: YouTubeStandInServer
    let standInURL: String
    /// `http://127.0.0.1:PORT/webhooks/youtube` (each channel's callback adds `/<channel id>`).
    let callbackBase: String
    let webhook: HTTPFunctionServer<YouTubeWebhookFunction>
    let pool: PostgresPool
    let redis: RedisClient
    let ingestor: EventIngestor
    let queue: JobQueue
    let ignored: IgnoredPushes
    let tag: String
    let clock: TestClock
    let unitsPerDay: Int

    var secrets: WebSubSecrets { WebSubSecrets(masters: [Self.master]) }
    var quota: QuotaBudget { QuotaBudget(redis: redis, unitsPerDay: unitsPerDay, keyPrefix: "youtube:quota:\(tag):", now: clock.now) }
    var quotaKey: String { "youtube:quota:\(tag):" + YouTubeAPI.PacificDay.key(at: clock.now()) }
    var logger: Logger { YouTubeWorld.quietLogger("youtube-test") }

    func checker(channels: Set<String>, intervalSeconds: Double = 60) -> YouTubeStatusChecker {
        let client = YouTubeClient(configuration: YouTubeConfiguration(apiKey: YouTubeStandInConfiguration.defaultAPIKey, baseURL: standInURL,
                                                                       unitsPerDay: unitsPerDay),
                                   quota: quota)
        return YouTubeStatusChecker(client: client, pool: pool, redis: redis, ingestor: ingestor, logger: logger,
                                    options: .init(recheckIntervalSeconds: intervalSeconds, keyPrefix: "youtube:status:\(tag):", onlyChannelIDs: channels),
                                    now: clock.now)
    }

    func reconciler(channels: Set<String>, hubURL: String? = nil, hubTimeoutSeconds: Int64 = 10, plan: SubscriptionPlan.Options = .init())
        -> YouTubeSubscriptionReconciler
    {
        let push = YouTubePush(hubURL: hubURL ?? standInURL + "/subscribe", callbackURL: callbackBase, secrets: secrets)
        return YouTubeSubscriptionReconciler(push: push, hub: WebSubHubClient(hubURL: push.hubURL, timeoutSeconds: hubTimeoutSeconds), pool: pool, logger: logger, plan: plan,
                                             onlyChannelIDs: channels)
    }

    // MARK: Seeding (the owner role, in each company's tenant scope, as the operator CLI does)

    /// A channel the stand-in knows, tracked by `companies` (creator ids in the same order).
    func channel(_ handle: String, title: String? = nil, trackedBy companies: [String]) throws -> (id: String, creators: [String]) {
        let channel = try standIn.state.addChannel(handle: handle + tag.prefix(6), title: title ?? "Channel \(handle)")
        return (channel.id, try companies.map { try Self.track(channelID: channel.id, handle: channel.handle, title: channel.title, company: $0) })
    }

    /// A YouTube-only creator of `company` with the channel (no Twitch user).
    static func track(channelID: String, handle: String, title: String, company: String) throws -> String {
        let connection = try PostgresConnection(url: try TestServices.adminURL())
        return try connection.withTenantScope(companyId: company) {
            let creator = try connection.query("INSERT INTO creators (company_id, display_name) VALUES ($1, $2) RETURNING id::text AS id",
                                               [company, title]).first!.require("id")
            try connection.query("""
                INSERT INTO creator_channels (company_id, creator_id, platform, channel_id, handle, display_name, url)
                VALUES ($1, $2, 'youtube', $3, $4, $5, $6)
                """, [company, creator, channelID, handle, title, "https://www.youtube.com/channel/" + channelID])
            return creator
        }
    }

    static func untrack(channelID: String, company: String) throws {
        let connection = try PostgresConnection(url: try TestServices.adminURL())
        _ = try connection.withTenantScope(companyId: company) {
            try connection.query("DELETE FROM creators WHERE id IN (SELECT creator_id FROM creator_channels WHERE platform = 'youtube' AND channel_id = $1)",
                                 [channelID])
        }
    }

    /// Subscribes through the renewal job and waits until the hub verified with our webhook.
    func subscribe(_ channelIDs: [String]) async throws {
        let report = try await reconciler(channels: Set(channelIDs)).run()
        #expect(report.subscribed == channelIDs.count, "\(report)")
        let verified = await Self.eventually {
            let rows = (try? channelIDs.map { try Self.lease($0)?.status }) ?? []
            let active = Set(standIn.state.activeSubscriptions.map(\.channelID))
            return rows.allSatisfy { $0 == "verified" } && channelIDs.allSatisfy(active.contains)
        }
        #expect(verified, "not verified: \(channelIDs)")
    }

    // MARK: Jobs

    /// Runs every job the webhook queued (as the `youtube-status` worker would) and returns the reports.
    @discardableResult
    func runQueuedChecks(_ checker: YouTubeStatusChecker) async throws -> [YouTubeStatusReport] {
        let queue = self.queue
        let claimed = try await redis.withConnection { connection in
            try queue.ensureGroup(on: connection)
            return try queue.claim(consumer: "youtube-tests", count: 100, blockMilliseconds: 1, on: connection)
        }
        var reports: [YouTubeStatusReport] = []
        for job in claimed {
            let check = try #require(YouTubeCheckRequest.check(in: job.job.payload), "\(job.job.payload)")
            reports.append(try await checker.check(check))
        }
        try await redis.withConnection { connection in try queue.complete(claimed, on: connection) }
        return reports
    }

    /// Jobs waiting on this test's queue.
    func queuedJobs() async throws -> Int {
        Int(try await redis.send(["XLEN", queue.streamKey]).integer ?? 0)
    }

    // MARK: Reading back (the superuser sees every tenant)

    struct StoredEvent: Equatable {
        let company: String
        let creator: String?
        let type: String
        let messageID: String
        let platform: String
        let source: String
        let data: JSONValue
    }

    static func events(channelID: String) throws -> [StoredEvent] {
        try TestServices.superuserQuery("""
            SELECT company_id::text AS company_id, creator_id::text AS creator_id, subscription_type, twitch_message_id, platform, source, data::text AS data
            FROM events WHERE broadcaster_user_id = $1 ORDER BY id
            """, [channelID]).rows.map {
            StoredEvent(company: try $0.require("company_id"), creator: $0["creator_id"], type: try $0.require("subscription_type"),
                        messageID: try $0.require("twitch_message_id"), platform: try $0.require("platform"), source: try $0.require("source"),
                        data: (try? JSONParser.parse(try $0.require("data"))) ?? .null)
        }
    }

    struct ChannelState: Equatable {
        let live: Bool
        let streamID: String?
        let title: String?
        let viewers: Int
    }

    static func channelState(channelID: String, company: String) throws -> ChannelState? {
        guard let row = try TestServices.superuserQuery("""
            SELECT live, live_stream_id, title, viewer_count FROM creator_channels WHERE platform = 'youtube' AND channel_id = $1 AND company_id = $2
            """, [channelID, company]).first else { return nil }
        return ChannelState(live: row.bool("live") ?? false, streamID: row["live_stream_id"], title: row["title"],
                            viewers: Int(try row.requireInt64("viewer_count")))
    }

    struct LeaseRow {
        let status: String
        let leaseSeconds: Int?
        let expiresIn: Double?
        let lastError: String?
    }

    static func lease(_ channelID: String) throws -> LeaseRow? {
        guard let row = try TestServices.superuserQuery("""
            SELECT status, lease_seconds, extract(epoch FROM lease_expires_at - now())::float8 AS expires_in, last_error
            FROM websub_subscriptions WHERE channel_id = $1
            """, [channelID]).first else { return nil }
        return LeaseRow(status: try row.require("status"), leaseSeconds: row["lease_seconds"].flatMap { Int($0) },
                        expiresIn: row["expires_in"].flatMap(Double.init), lastError: row["last_error"])
    }

    // MARK: Helpers

    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        // Cancelling a server task logs its closing channels at error level; only worse is news here.
        logger.logLevel = .critical
        return logger
    }

    static func eventually(seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1_000_000_000)
        while monotonicNanoseconds() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return try await condition()
    }
}

struct WebhookNotStarted: Error {}

/// Runs `body` in a fresh world (stand-in with fast retries, webhook served) and tears it down.
func withYouTubeWorld(unitsPerDay: Int = 10_000, standIn configuration: YouTubeStandInConfiguration = YouTubeStandInConfiguration(deliveryRetrySeconds: 0.05),
                      _ body: (YouTubeWorld) async throws -> Void) async throws {
    let logger = YouTubeWorld.quietLogger("youtube-world")
    let tag = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    let pool = PostgresPool(url: try TestServices.sessionDatabaseURL(), size: 4, logger: logger)
    let redis = RedisClient(url: try TestServices.redisURL(), size: 2, logger: logger)
    let ingestor = EventIngestor(postgres: pool, publisher: RoomPublisher(redis: redis, logger: logger), options: .init(maxBatch: 64, lanes: 1),
                                 logger: logger)
    let queue = JobQueue(name: "youtube-status-test-\(tag)")
    let ignored = IgnoredPushes(redis: redis, key: "youtube:webhook:ignored:\(tag)")
    let standIn = YouTubeStandInServer(configuration: configuration, logger: logger)
    let webhook = HTTPFunctionServer(function: YouTubeWebhookFunction(
        subscriptions: PushSubscriptions(postgres: pool), secrets: WebSubSecrets(masters: [YouTubeWorld.master]), redis: redis,
        ignored: ignored, queue: queue), logger: logger)
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let serving = Task { try await webhook.run(host: "127.0.0.1", port: 0) { continuation.yield($0) } }
    var iterator = ports.makeAsyncIterator()
    func tearDown() async {
        serving.cancel()
        _ = await serving.result
        _ = try? await redis.send(["DEL", queue.streamKey, ignored.key])
        await pool.shutdown()
        await redis.shutdown()
    }
    guard let webhookPort = await iterator.next() else {
        await tearDown()
        throw WebhookNotStarted()
    }
    do {
        try await standIn.withRunning { port in
            try await body(YouTubeWorld(
                standIn: standIn, standInURL: "http://127.0.0.1:\(port)", callbackBase: "http://127.0.0.1:\(webhookPort)/webhooks/youtube",
                webhook: webhook, pool: pool, redis: redis, ingestor: ingestor, queue: queue, ignored: ignored, tag: tag, clock: TestClock(),
                unitsPerDay: unitsPerDay))
        }
    } catch {
        await tearDown()
        throw error
    }
    await tearDown()
}
