import BlockingIO
import DiscordStandIn
import EventSub
import FunctionRuntime
import Ingest
import JobQueue
import JSONValue
import Logging
import NIOConcurrencyHelpers
import NotificationMessages
import NotificationStore
import Notify
import OutboundHTTP
import Postgres
import Redis
import SecretSealing
import TestSupport
import Testing

/// Notifications end to end: the test run's Postgres and Redis, the ingestor writing the outbox
/// as the webhook function does, the `notify` job as its executable wires it (but with short
/// retry waits), the real `notify` queue, and the Discord stand-in (Discord, Slack-shaped hooks,
/// a verifying Standard Webhooks receiver) in-process over real HTTP.
struct NotifyHarness {
    let standIn: DiscordStandInFixture
    let pool: PostgresPool
    let redis: RedisClient
    let ingestor: EventIngestor
    let notifier: Notifier
    let job: NotifyJob
    let keys: SealingKeyRing
    /// The companies of this test's destinations: `drain` runs only their jobs, and leaves other
    /// suites' `notify` jobs (the API's test sends) untouched in the stream.
    let companies = NIOLockedValueBox<Set<String>>([])

    var state: DiscordStandInState { standIn.state }

    static let testKeys = try! SealingKeyRing([(id: "notifytest", key: Array(repeating: 7, count: SealingKeyRing.keyBytes))])

    /// Fast retries; everything else as in production.
    static let fastSettings = NotifySettings(retryDelaysSeconds: [0.2, 0.3, 0.4, 0.5, 0.6])

    static func with(settings: NotifySettings = fastSettings, configuration: DiscordStandInConfiguration = DiscordStandInConfiguration(),
                     _ body: (NotifyHarness) async throws -> Void) async throws {
        let logger = quietLogger("notify-test")
        let pool = PostgresPool(url: try TestServices.sessionDatabaseURL(), size: 6, logger: logger)
        let redis = RedisClient(url: try TestServices.redisURL(), size: 2, logger: logger)
        let http = GuardedHTTPClient(policy: OutboundURLPolicy(allowPrivate: true),
                                     configuration: .init(connectTimeoutMilliseconds: 2_000, totalTimeoutMilliseconds: 3_000))
        let ingestor = EventIngestor(postgres: pool, publisher: RoomPublisher(redis: redis, logger: logger),
                                     options: .init(maxBatch: 64, lanes: 1), logger: logger)
        let notifier = Notifier(pool: pool, redis: redis, http: http, keys: testKeys, settings: settings, logger: logger)
        let job = NotifyJob(notifier: notifier, sweeper: DeliverySweeper(pool: pool, redis: redis, settings: settings, logger: logger))
        do {
            try await DiscordStandInFixture.with(configuration) { standIn in
                try await body(NotifyHarness(standIn: standIn, pool: pool, redis: redis, ingestor: ingestor, notifier: notifier, job: job,
                                             keys: testKeys))
            }
        } catch {
            await http.shutdown()
            await pool.shutdown()
            await redis.shutdown()
            throw error
        }
        await http.shutdown()
        await pool.shutdown()
        await redis.shutdown()
    }

    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        return logger
    }

    // MARK: - Seeding

    struct Creator {
        let id: String
        let twitchUserID: String
        let login: String
    }

    /// A company with one creator.
    func company(login: String = "streamer") throws -> (company: String, creator: Creator) {
        let company = try TestServices.makeCompany("Notify Agency")
        return (company, try creator(company: company, login: login))
    }

    func creator(company: String, login: String = "streamer") throws -> Creator {
        let twitchUserID = TestServices.uniqueTwitchUserID()
        let id = try TestServices.addCreator(company: company, twitchUserID: twitchUserID, login: login)
        return Creator(id: id, twitchUserID: twitchUserID, login: login)
    }

    /// A destination stored as the API stores it (URL and secret sealed for its id).
    func destination(company: String, kind: NotificationKind, url: String, secret: WebhookSecret? = nil, name: String = "Alerts",
                     eventTypes: [String] = ["stream.online"], cooldownSeconds: Int = 600,
                     templates: [String: NotificationMessageTemplate] = [:]) throws -> String {
        let connection = try PostgresConnection(url: try TestServices.adminURL())
        let id = try connection.query("SELECT gen_random_uuid()::text AS id").first!.require("id")
        let sealedURL = try keys.seal(url, context: NotificationDestination.urlContext(id))
        let sealedSecret = try secret.map { try keys.seal($0.encoded, context: NotificationDestination.secretContext(id)) }
        let templatesJSON = JSONWriter.string(.object(templates.mapValues(\.json)))
        companies.withLockedValue { _ = $0.insert(company) }
        _ = try connection.withTenantScope(companyId: company) {
            try connection.query("""
                INSERT INTO notification_destinations (id, company_id, name, kind, url_sealed, url_hint, secret_sealed, event_types,
                                                       cooldown_seconds, templates)
                VALUES ($1, $2, $3, $4, $5, 'http://127.0.0.1/…', $6, $7::text[], $8, $9::jsonb)
                """, [id, company, name, kind.rawValue, sealedURL, sealedSecret, PostgresArray.literal(eventTypes), cooldownSeconds,
                      templatesJSON])
        }
        return id
    }

    func optOut(company: String, destination: String, creator: String) throws {
        let connection = try PostgresConnection(url: try TestServices.adminURL())
        _ = try connection.withTenantScope(companyId: company) {
            try connection.query("INSERT INTO notification_opt_outs (company_id, destination_id, creator_id) VALUES ($1, $2, $3)",
                                 [company, destination, creator])
        }
    }

    // MARK: - Twitch events, through the ingestor

    /// A stream.online for `creator`, as the webhook function ingests it.
    @discardableResult
    func goLive(_ creator: Creator, messageID: String = "online-\(TestServices.uniqueTwitchUserID())") async throws -> IngestOutcome {
        try await ingestor.ingest(notification(creator, type: "stream.online", messageID: messageID,
                                               data: ["streamId": "1", "streamType": "live", "startedAt": .string(Self.now())]))
    }

    /// A channel.update setting the title and category that go-live messages show.
    func setTitle(_ creator: Creator, title: String, category: String) async throws {
        _ = try await ingestor.ingest(notification(creator, type: "channel.update", messageID: "update-\(TestServices.uniqueTwitchUserID())",
                                                   data: ["title": .string(title), "language": "en", "categoryId": "1",
                                                          "categoryName": .string(category)]))
    }

    func notification(_ creator: Creator, type: String, messageID: String, data: JSONValue) -> NormalizedNotification {
        NormalizedNotification(
            messageID: messageID, subscriptionID: "sub-\(creator.twitchUserID)", subscriptionType: type, subscriptionVersion: "1",
            occurredAt: Self.now(), broadcaster: TwitchUser(id: creator.twitchUserID, login: creator.login, name: creator.login),
            routingUserIDs: [creator.twitchUserID], data: data, rawBody: Array(#"{"subscription":{},"event":{}}"#.utf8))
    }

    static func now() -> String { RFC3339.format(unixSeconds: wallClockSeconds()) }

    // MARK: - The notify queue

    /// Runs the `notify` queue with this harness's job (promoting due retries as a worker does)
    /// until `done` holds; records an issue after `seconds`.
    func drain(seconds: Double = 20, consumer: String = "notify-test", sourceLocation: SourceLocation = #_sourceLocation,
               until done: () throws -> Bool) async throws {
        let queue = NotifyRequest.queue
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        try await redis.withConnection { try queue.ensureGroup(on: $0) }
        while monotonicNanoseconds() < deadline {
            if try done() { return }
            let jobs = try await redis.withConnection { connection in
                try queue.promoteDueRetries(on: connection)
                return try queue.claim(consumer: consumer, count: 16, blockMilliseconds: 20, on: connection)
            }
            let ours = companies.withLockedValue { companies in
                jobs.filter { NotifyRequest.isSweep($0.job.payload) || NotifyRequest.delivery(in: $0.job.payload).map { companies.contains($0.companyID) } == true }
            }
            for claimed in ours {
                try await job.handle(claimed, context: FunctionContext(requestID: claimed.job.id, logger: Self.quietLogger("notify-job")))
            }
            try await redis.withConnection { try queue.complete(ours, on: $0) }
        }
        if try done() { return }
        Issue.record("the notify queue did not get there within \(seconds) s", sourceLocation: sourceLocation)
    }

    /// The jobs in the `notify` stream that name `deliveryID`.
    func queuedJobs(delivery deliveryID: Int64) async throws -> Int {
        let entries = try await redis.send(["XRANGE", NotifyRequest.queue.streamKey, "-", "+"]).array ?? []
        return entries.filter { entry in
            guard let fields = entry.array?.last?.array, let text = fields.last?.string, let job = Job(json: text) else { return false }
            return NotifyRequest.delivery(in: job.payload)?.id == deliveryID
        }.count
    }

    // MARK: - Assertions (as the superuser: every tenant)

    struct DeliveryRow {
        let id: Int64
        let eventID: Int64?
        let status: String
        let skipReason: String?
        let attempts: Int
        let responseStatus: Int?
        let lastError: String?
        let latencyMilliseconds: Int?
        let remoteMessageID: String?
    }

    static func deliveries(destination: String) throws -> [DeliveryRow] {
        try TestServices.superuserQuery("""
            SELECT id, event_id, status, skip_reason, attempts, response_status, last_error, latency_ms, remote_message_id
            FROM notification_deliveries WHERE destination_id = $1 ORDER BY id
            """, [destination]).rows.map { row in
            DeliveryRow(id: try row.requireInt64("id"), eventID: row["event_id"].flatMap { Int64($0) }, status: try row.require("status"),
                        skipReason: row["skip_reason"], attempts: Int(try row.requireInt64("attempts")),
                        responseStatus: row["response_status"].flatMap { Int($0) }, lastError: row["last_error"],
                        latencyMilliseconds: row["latency_ms"].flatMap { Int($0) }, remoteMessageID: row["remote_message_id"])
        }
    }

    static func finished(destination: String, count: Int) throws -> Bool {
        let rows = try deliveries(destination: destination)
        return rows.count == count && rows.allSatisfy { !["pending", "sending", "retrying"].contains($0.status) }
    }

    static func destinationState(_ id: String) throws -> (enabled: Bool, reason: String?) {
        let row = try #require(try TestServices.superuserQuery(
            "SELECT enabled, disabled_reason FROM notification_destinations WHERE id = $1", [id]).first)
        return (row.bool("enabled") ?? false, row["disabled_reason"])
    }
}
