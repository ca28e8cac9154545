import ObjectStoreStandIn
import Files
import BlockingIO
import EventArchive
import FunctionRuntime
import FunctionServer
import LocalRunner
import Logging
import ObjectStore
import Postgres
import Processes
import Synchronization
import TestSupport

/// The local S3 stand-in (`LocalObjectStoreHandler` over a temporary directory) served over HTTP
/// on a loopback port, so the archiver talks to it exactly as to S3: presigned PUT and GET.
final class ArchiveS3: Sendable {
    let configuration: ObjectStoreConfiguration
    let store: LocalObjectStore
    let port: Int
    private let task: Task<Void, any Error>
    private let executor: BlockingExecutor

    static let bucket = "ccr-archive-test"

    private init(configuration: ObjectStoreConfiguration, store: LocalObjectStore, port: Int, task: Task<Void, any Error>, executor: BlockingExecutor) {
        self.configuration = configuration
        self.store = store
        self.port = port
        self.task = task
        self.executor = executor
    }

    static func start() async throws -> ArchiveS3 {
        let port = try Ports.freeLoopbackPort()
        let configuration = try ObjectStoreConfiguration(
            endpoint: "http://127.0.0.1:\(port)/objects", bucket: bucket, region: "local", accessKeyID: "archive-test",
            secretAccessKey: "secret-\(UInt64.random(in: 0...UInt64.max))")
        let store = LocalObjectStore(rootDirectory: try FileSystem.temporaryDirectory(prefix: "ccr-archive-objects"))
        let executor = BlockingExecutor(threads: 2)
        let function = ObjectStoreFunction(
            handler: LocalObjectStoreHandler(configuration: configuration, store: store), executor: executor, host: "127.0.0.1:\(port)")
        var logger = Logger(label: "archive-s3")
        logger.logLevel = .critical // Hummingbird reports the cancellation that stops it as an error
        let server = HTTPFunctionServer(function: function, logger: logger)
        let task = Task { try await server.run(host: "127.0.0.1", port: port) }
        while !Ports.isAccepting(port: port) { try await Task.sleep(nanoseconds: 2_000_000) }
        return ArchiveS3(configuration: configuration, store: store, port: port, task: task, executor: executor)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        await executor.shutdown()
        FileSystem.removeTree(store.rootDirectory)
    }

    func object(_ key: String) throws -> [UInt8]? {
        try store.get(bucket: Self.bucket, key: key)?.bytes
    }
}

/// Forwards every request to the store handler, as the local router does for `/objects/…`.
struct ObjectStoreFunction: HTTPFunction {
    let handler: LocalObjectStoreHandler
    let executor: BlockingExecutor
    /// Hummingbird carries `Host` as the request's authority, not as a header; the signature
    /// covers it, so it is put back (it is what the client sent for this loopback URL).
    let host: String

    var maxBodyBytes: Int { 64 << 20 }

    func handle(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        var headers: [String: String] = [:]
        for header in request.headers where headers[header.name] == nil { headers[header.name] = header.value }
        if headers["host"] == nil { headers["host"] = host }
        let (handler, method, path, query, body, requestHeaders) = (handler, request.method, request.path, request.query ?? "", request.body, headers)
        let result = try await executor.run {
            handler.handle(method: method, path: path, rawQuery: query, headers: requestHeaders, body: body, now: wallClockSeconds())
        }
        return FunctionResponse(status: result.status, headers: result.headers.map { ($0.key, $0.value) }, body: result.body)
    }
}

/// Thrown from a checkpoint: the run stops there, as if the worker had been killed.
struct SimulatedCrash: Error, CustomStringConvertible {
    let at: ArchiveCheckpoint
    var description: String { "simulated crash at \(at)" }
}

/// Counts checkpoints; crashes at the n-th one (1-based) if asked, records them all.
final class CheckpointRecorder: Sendable {
    private let state = Mutex<(count: Int, seen: [ArchiveCheckpoint])>((0, []))
    let crashAt: Int?
    let crashWhen: (@Sendable (ArchiveCheckpoint) -> Bool)?

    init(crashAt: Int? = nil, crashWhen: (@Sendable (ArchiveCheckpoint) -> Bool)? = nil) {
        self.crashAt = crashAt
        self.crashWhen = crashWhen
    }

    var seen: [ArchiveCheckpoint] { state.withLock { $0.seen } }

    func hit(_ checkpoint: ArchiveCheckpoint) throws {
        let count = state.withLock { state -> Int in
            state.count += 1
            state.seen.append(checkpoint)
            return state.count
        }
        if count == crashAt || crashWhen?(checkpoint) == true { throw SimulatedCrash(at: checkpoint) }
    }

    func install(on archiver: EventArchiver) -> EventArchiver {
        var copy = archiver
        copy.checkpoint = { [self] in try hit($0) }
        return copy
    }
}

/// Events seeded with `received_at` in the past, and the database reads the tests compare.
enum ArchiveData {
    /// Columns compared between captures (everything a row holds, as text).
    static let captureColumns = """
        id::text AS id, company_id::text AS company_id, creator_id::text AS creator_id, twitch_message_id, subscription_type,
        subscription_version, source, broadcaster_user_id,
        to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at,
        to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_at,
        to_char((received_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
        data::text AS data, payload::text AS payload
        """
    static let columnNames = ["id", "company_id", "creator_id", "twitch_message_id", "subscription_type", "subscription_version", "source",
                              "broadcaster_user_id", "occurred_at", "received_at", "day", "data", "payload"]

    struct Row: Equatable, CustomStringConvertible {
        let values: [String?]
        subscript(_ name: String) -> String? { values[ArchiveData.columnNames.firstIndex(of: name)!] }
        var id: Int64 { Int64(self["id"]!)! }
        var day: String { self["day"]! }
        var description: String { values.map { $0 ?? "NULL" }.joined(separator: " | ") }
    }

    /// Every event of the company, ordered by id (as the superuser: sees through RLS).
    static func rows(company: String) throws -> [Row] {
        try TestServices.superuserQuery("SELECT \(captureColumns) FROM events WHERE company_id = $1 ORDER BY events.id", [company]).rows.map { row in
            Row(values: columnNames.map { row[$0] })
        }
    }

    /// The NDJSON line the archive format specifies for a captured row, built independently of
    /// the archiver's code: keys in the documented order, strings with RFC 8259's escapes, jsonb
    /// in Postgres' text form.
    static func expectedLine(_ row: Row) -> String {
        func string(_ value: String?) -> String {
            guard let value else { return "null" }
            var out = "\""
            for scalar in value.unicodeScalars {
                switch scalar.value {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0..<0x20:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        let fields: [(String, String)] = [
            ("id", row["id"]!), ("company_id", string(row["company_id"])), ("creator_id", string(row["creator_id"])),
            ("twitch_message_id", string(row["twitch_message_id"])), ("subscription_type", string(row["subscription_type"])),
            ("subscription_version", string(row["subscription_version"])), ("source", string(row["source"])),
            ("broadcaster_user_id", string(row["broadcaster_user_id"])), ("occurred_at", string(row["occurred_at"])),
            ("received_at", string(row["received_at"])), ("data", row["data"]!), ("payload", row["payload"]!),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n"
    }

    struct Seed {
        /// Days before today (UTC).
        let daysAgo: Int
        /// Time of day, an interval literal (`13:05:00.123456`).
        let time: String
        var type = "channel.follow"
        var source = "webhook"
        var withCreator = true
        var broadcaster: String? = "12345"
        /// Put in front of the random message id (strings outside jsonb get escaped by the archiver).
        var messagePrefix = "msg-"
        var data = #"{"user_name": "viewer"}"#
        var payload = #"{"subscription": {"type": "channel.follow"}, "event": {"user_id": "1"}}"#
    }

    /// Inserts through the app role in the company's tenant scope, `received_at` set explicitly.
    @discardableResult
    static func insert(company: String, creator: String, _ seeds: [Seed]) throws -> [Int64] {
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        return try connection.withTenantScope(companyId: company) {
            try seeds.map { seed in
                try connection.query("""
                    INSERT INTO events (company_id, creator_id, twitch_message_id, subscription_type, subscription_version, source,
                                        broadcaster_user_id, occurred_at, received_at, data, payload)
                    VALUES ($1, $2::uuid, $3, $4, '1', $5, $6,
                            ((now() AT TIME ZONE 'UTC')::date - $7::int)::timestamp AT TIME ZONE 'UTC' + $8::interval - interval '250 milliseconds',
                            ((now() AT TIME ZONE 'UTC')::date - $7::int)::timestamp AT TIME ZONE 'UTC' + $8::interval,
                            $9::jsonb, $10::jsonb)
                    RETURNING id
                    """, [company, seed.withCreator ? creator : nil, seed.messagePrefix + String(UInt64.random(in: 0...UInt64.max)), seed.type, seed.source,
                          seed.broadcaster, seed.daysAgo, seed.time, seed.data, seed.payload]).first!.requireInt64("id")
            }
        }
    }

    /// A varied day: awkward strings, nulls, numbers jsonb keeps exactly, both ends of the day.
    static func awkwardDay(_ daysAgo: Int, count: Int) -> [Seed] {
        (0..<count).map { index in
            let time = index == 0 ? "00:00:00" : index == count - 1 ? "23:59:59.999999" : "\(index % 24):\(10 + index % 50):07.\(100_000 + index * 7919)"
            var seed = Seed(daysAgo: daysAgo, time: time)
            switch index % 4 {
            case 0:
                seed.messagePrefix = "msg \u{1}\u{1F}\"q\" \\ \t\r\n é 🎉 "
                seed.data = #"{"text": "quote \" backslash \\ newline \n tab \t ctrl \u0001 é ü 🎉 <b>&amp;</b>", "n": 1}"#
                seed.payload = #"{"event": {"big": 12345678901234567890123, "pi": 3.14159265358979323846, "exp": 1.5e300, "neg": -0.0, "list": [1, "two", null, true, {"k": []}]}}"#
            case 1:
                seed.withCreator = false
                seed.broadcaster = nil
                seed.type = "channel.unknown_type"
                seed.data = "{}"
                seed.payload = #"{"subscription": {"type": "channel.unknown_type", "version": "beta"}, "event": {"line\nbreak": "a\u2028b"}}"#
            case 2:
                seed.source = "poll"
                seed.type = "stream.online"
                seed.data = #"{"type": "live", "started_at": "2024-01-01T00:00:00Z"}"#
            default:
                seed.type = "channel.chat.message"
                seed.data = #"{"message": "multi\r\nline ﬁ \u001f x", "emoji": "👩‍👩‍👧"}"#
            }
            return seed
        }
    }

    /// Superuser: the company's manifest rows (without created_at), by day.
    static func manifests(company: String) throws -> [[String?]] {
        try TestServices.superuserQuery("""
            SELECT to_char(archive_day, 'YYYY-MM-DD') AS day, object_key, first_event_id::text AS first, last_event_id::text AS last,
                   row_count::text AS rows, byte_size::text AS size, sha256
            FROM event_archives WHERE company_id = $1 ORDER BY archive_day
            """, [company]).rows.map { row in ["day", "object_key", "first", "last", "rows", "size", "sha256"].map { row[$0] } }
    }

    /// Puts archived lines back into `events` with their original ids (`json_to_record` reads
    /// each line as Postgres would read any JSON: the round trip from archive to database).
    static func restore(lines: [String]) throws {
        let connection = try PostgresConnection(url: try TestServices.superuserURL())
        try connection.withTransaction {
            for line in lines {
                try connection.query("""
                    INSERT INTO events (id, company_id, creator_id, twitch_message_id, subscription_type, subscription_version, source,
                                        broadcaster_user_id, occurred_at, received_at, data, payload)
                    OVERRIDING SYSTEM VALUE
                    SELECT id, company_id, creator_id, twitch_message_id, subscription_type, subscription_version, source,
                           broadcaster_user_id, occurred_at, received_at, data, payload
                    FROM json_to_record($1::json) AS x(id bigint, company_id uuid, creator_id uuid, twitch_message_id text,
                         subscription_type text, subscription_version text, source text, broadcaster_user_id text,
                         occurred_at timestamptz, received_at timestamptz, data jsonb, payload jsonb)
                    """, [line])
            }
        }
    }

    /// The lines of a gzip NDJSON object, each with its newline.
    static func lines(ofObject bytes: [UInt8]) throws -> [String] {
        try Gzip.decompress(bytes).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
            .map { String(decoding: $0, as: UTF8.self) + "\n" }
    }
}
