import RandomBytes
public import BlockingIO
public import JSONValue
public import Redis

/// An at-least-once job queue on Redis Streams with a consumer group.
///
/// Why Streams: a job read with XREADGROUP stays in the group's pending entries list (PEL) until
/// the worker acknowledges it, so a worker killed at any instruction loses nothing: once the job
/// has been idle longer than the visibility timeout, XAUTOCLAIM hands it to the next worker (and
/// its delivery count tells crashes apart, so a job that kills every worker still ends in the
/// dead-letter queue). Acknowledge, retry scheduling and dead-lettering each run in one
/// MULTI/EXEC, so no job is lost or doubled between two commands.
///
/// Keys: `jobs:{name}` (the stream, group `workers`), `jobs:{name}:delayed` (retries by due
/// time, moved back by a Lua script), `jobs:{name}:dead` (dead letters, a stream),
/// `jobs:{name}:stats` (counters), `jobs:{name}:idem:{key}` (idempotency keys).
///
/// The methods block on the given connection: call them from a `BlockingExecutor` thread.
public struct JobQueue: Sendable {
    public let name: String
    public let options: QueueOptions
    public static let group = "workers"

    public init(name: String, options: QueueOptions = QueueOptions()) {
        precondition(!name.isEmpty && name.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }, "queue names are plain words")
        self.name = name
        self.options = options
    }

    public var streamKey: String { "jobs:\(name)" }
    var delayedKey: String { "jobs:\(name):delayed" }
    var deadKey: String { "jobs:\(name):dead" }
    var statsKey: String { "jobs:\(name):stats" }
    func idempotencyRedisKey(_ key: String) -> String { "jobs:\(name):idem:\(key)" }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    // MARK: Producing

    /// Enqueues a job. With an idempotency key, a second enqueue of the same key within
    /// `idempotencySeconds` does nothing and returns nil (two schedulers, one run).
    @discardableResult
    public func enqueue(_ payload: JSONValue, idempotencyKey: String? = nil, on connection: RedisConnection) throws -> String? {
        let job = Job(id: newJobID(), queue: name, payload: payload, attempt: 1, enqueuedAt: wallClockSeconds(), idempotencyKey: idempotencyKey)
        let reply = try connection.command([
            "EVAL", Self.enqueueScript, "2", streamKey, idempotencyRedisKey(idempotencyKey ?? ""),
            job.json, idempotencyKey == nil ? "0" : "1", String(options.idempotencySeconds),
        ])
        if case .error(let message) = reply { throw Failure(description: "enqueue on \(name): \(message)") }
        return reply.isNull ? nil : job.id
    }

    /// Enqueues many jobs in one round trip (no idempotency keys).
    public func enqueueMany(_ payloads: [JSONValue], on connection: RedisConnection) throws {
        let now = wallClockSeconds()
        let commands = payloads.map { payload in
            ["XADD", streamKey, "*", "job", Job(id: newJobID(), queue: name, payload: payload, attempt: 1, enqueuedAt: now, idempotencyKey: nil).json]
        }
        for reply in try connection.pipeline(commands) {
            if case .error(let message) = reply { throw Failure(description: "enqueue on \(name): \(message)") }
        }
    }

    // MARK: Consuming

    /// Creates the consumer group (and the stream) if needed.
    public func ensureGroup(on connection: RedisConnection) throws {
        let reply = try connection.command(["XGROUP", "CREATE", streamKey, Self.group, "0", "MKSTREAM"])
        if case .error(let message) = reply, !message.hasPrefix("BUSYGROUP") {
            throw Failure(description: "cannot create group for \(name): \(message)")
        }
    }

    /// Moves retries whose time has come back into the stream (atomically, in Lua).
    @discardableResult
    public func promoteDueRetries(on connection: RedisConnection, now: Double = wallClockSeconds()) throws -> Int {
        let reply = try connection.command(["EVAL", Self.promoteScript, "2", delayedKey, streamKey, String(Int64(now * 1000))])
        return Int(reply.integer ?? 0)
    }

    /// Takes up to `count` jobs for `consumer`: first jobs abandoned by dead workers (idle longer
    /// than the visibility timeout), then new ones, waiting up to `blockMilliseconds` for them.
    public func claim(consumer: String, count: Int, blockMilliseconds: Int, on connection: RedisConnection) throws -> [ClaimedJob] {
        try fetch(consumer: consumer, count: count, blockMilliseconds: blockMilliseconds, on: connection).jobs()
    }

    /// `claim`'s Redis part: the new jobs come back unread, so a worker can read them while its
    /// next claim is already on its way (`JobWorker`).
    public func fetch(consumer: String, count: Int, blockMilliseconds: Int, on connection: RedisConnection) throws -> FetchedJobs {
        var abandoned: [ClaimedJob] = []
        var unreadable: [UnreadableEntry] = []
        let stale = try connection.command([
            "XAUTOCLAIM", streamKey, Self.group, consumer, String(options.visibilityTimeoutMilliseconds), "0-0", "COUNT", String(count),
        ])
        if case .error(let message) = stale { throw Failure(description: "claim on \(name): \(message)") }
        let (staleJobs, staleUnreadable) = Self.read(stale.array?.dropFirst().first)
        unreadable = staleUnreadable
        for (entryID, job) in staleJobs {
            abandoned.append(ClaimedJob(entryID: entryID, job: job, deliveries: try deliveries(of: entryID, on: connection)))
        }
        if abandoned.count + unreadable.count >= count {
            return FetchedJobs(abandoned: abandoned, abandonedUnreadable: unreadable, fresh: nil, fetchedAt: monotonicNanoseconds())
        }
        let fresh = try connection.command([
            "XREADGROUP", "GROUP", Self.group, consumer, "COUNT", String(count - abandoned.count), "BLOCK", String(blockMilliseconds),
            "STREAMS", streamKey, ">",
        ])
        if case .error(let message) = fresh { throw Failure(description: "read on \(name): \(message)") }
        // Reply: [[stream, [[id, [field, value, …]], …]]]
        return FetchedJobs(abandoned: abandoned, abandonedUnreadable: unreadable, fresh: fresh.array?.first?.array?.dropFirst().first,
                           fetchedAt: monotonicNanoseconds())
    }

    /// Of `jobs`, claimed by `consumer` and held without being started for `heldMilliseconds`,
    /// the ones it still owns, their idle time reset (XCLAIM … JUSTID, which leaves the delivery
    /// count alone). Held past the visibility timeout, a job may have been taken by another worker
    /// (XAUTOCLAIM); its idle time then counts from that claim, at most `held - timeout`, while a
    /// job still ours has been idle `held`: the minimum idle time between the two tells them apart.
    public func keepClaimed(_ jobs: [ClaimedJob], consumer: String, heldMilliseconds: Int, on connection: RedisConnection) throws -> [ClaimedJob] {
        guard !jobs.isEmpty else { return [] }
        let minimumIdle = max(0, heldMilliseconds - options.visibilityTimeoutMilliseconds / 2)
        let reply = try connection.command(["XCLAIM", streamKey, Self.group, consumer, String(minimumIdle)] + jobs.map(\.entryID) + ["JUSTID"])
        if case .error(let message) = reply { throw Failure(description: "keep claimed on \(name): \(message)") }
        let kept = Set((reply.array ?? []).compactMap(\.string))
        return jobs.filter { kept.contains($0.entryID) }
    }

    /// Jobs taken by `fetch`, the new ones not read yet.
    public struct FetchedJobs: Sendable {
        let abandoned: [ClaimedJob]
        let abandonedUnreadable: [UnreadableEntry]
        let fresh: RedisReply?
        /// When Redis handed them out (`monotonicNanoseconds`).
        public let fetchedAt: UInt64

        public var isEmpty: Bool { abandoned.isEmpty && abandonedUnreadable.isEmpty && (fresh?.array?.isEmpty ?? true) }

        /// Reads the new jobs' JSON; abandoned jobs first.
        public func jobs() -> [ClaimedJob] {
            read().jobs
        }

        /// The jobs, and the entries that hold none (`deadLetterUnreadable` takes those out).
        public func read() -> (jobs: [ClaimedJob], unreadable: [UnreadableEntry]) {
            let (fresh, unreadable) = JobQueue.read(fresh)
            return (abandoned + fresh.map { ClaimedJob(entryID: $0.0, job: $0.1, deliveries: 1) }, abandonedUnreadable + unreadable)
        }
    }

    /// Acknowledges finished jobs and removes them, in one MULTI/EXEC.
    public func complete(_ jobs: [ClaimedJob], on connection: RedisConnection) throws {
        guard !jobs.isEmpty else { return }
        let ids = jobs.map(\.entryID)
        try transaction([
            ["XACK", streamKey, Self.group] + ids,
            ["XDEL", streamKey] + ids,
            ["HINCRBY", statsKey, "done", String(jobs.count)],
        ], on: connection)
    }

    public enum FailureOutcome: Sendable, Equatable {
        case retryScheduled(delayMilliseconds: Int)
        case deadLettered
    }

    /// Records a failed run: a retry later (exponential backoff with jitter), or the dead-letter
    /// queue once `maxAttempts` runs have failed.
    @discardableResult
    public func fail(_ claimed: ClaimedJob, error: String, on connection: RedisConnection) throws -> FailureOutcome {
        let attempt = claimed.effectiveAttempt
        if attempt >= options.maxAttempts {
            try transaction([
                ["XADD", deadKey, "*", "job", claimed.job.json, "error", String(error.prefix(2_000)), "attempts", String(attempt),
                 "failedAt", String(Int64(wallClockSeconds()))],
                ["XACK", streamKey, Self.group, claimed.entryID],
                ["XDEL", streamKey, claimed.entryID],
                ["HINCRBY", statsKey, "dead", "1"],
            ], on: connection)
            return .deadLettered
        }
        let delay = options.retryDelayMilliseconds(afterAttempt: attempt)
        let due = Int64(wallClockSeconds() * 1000) + Int64(delay)
        let retry = claimed.job.retry(attempt: attempt + 1)
        try transaction([
            ["ZADD", delayedKey, String(due), retry.json],
            ["XACK", streamKey, Self.group, claimed.entryID],
            ["XDEL", streamKey, claimed.entryID],
            ["HINCRBY", statsKey, "retried", "1"],
        ], on: connection)
        return .retryScheduled(delayMilliseconds: delay)
    }

    /// Moves entries that hold no readable job to the dead letters, in one MULTI/EXEC: no handler
    /// can run them, and left pending they would come back after every visibility timeout.
    public func deadLetterUnreadable(_ entries: [UnreadableEntry], on connection: RedisConnection) throws {
        guard !entries.isEmpty else { return }
        let now = String(Int64(wallClockSeconds()))
        let ids = entries.map(\.entryID)
        try transaction(entries.map { entry in
            ["XADD", deadKey, "*", "job", String(entry.content.prefix(100_000)), "error", "unreadable job entry \(entry.entryID)",
             "attempts", "0", "failedAt", now]
        } + [
            ["XACK", streamKey, Self.group] + ids,
            ["XDEL", streamKey] + ids,
            ["HINCRBY", statsKey, "dead", String(entries.count)],
        ], on: connection)
    }

    // MARK: Operating

    public func stats(on connection: RedisConnection) throws -> QueueStats {
        let replies = try connection.pipeline([
            ["XLEN", streamKey], ["XPENDING", streamKey, Self.group], ["ZCARD", delayedKey], ["XLEN", deadKey], ["HGETALL", statsKey],
        ])
        let length = Int(replies[0].integer ?? 0)
        let inFlight = Int(replies[1].array?.first?.integer ?? 0)
        var counters: [String: Int] = [:]
        let pairs = replies[4].array ?? []
        var index = 0
        while index + 1 < pairs.count {
            counters[pairs[index].string ?? ""] = Int(pairs[index + 1].string ?? "") ?? 0
            index += 2
        }
        return QueueStats(queue: name, waiting: max(0, length - inFlight), inFlight: inFlight, delayed: Int(replies[2].integer ?? 0),
                          done: counters["done"] ?? 0, retried: counters["retried"] ?? 0, dead: counters["dead"] ?? 0,
                          deadLetters: Int(replies[3].integer ?? 0))
    }

    /// True when a worker has something to do now (what a KEDA-style scaler looks at).
    public func hasWork(on connection: RedisConnection, now: Double = wallClockSeconds()) throws -> Bool {
        let replies = try connection.pipeline([["XLEN", streamKey], ["ZCOUNT", delayedKey, "-inf", String(Int64(now * 1000))]])
        return (replies[0].integer ?? 0) > 0 || (replies[1].integer ?? 0) > 0
    }

    public func deadLetters(limit: Int = 100, on connection: RedisConnection) throws -> [DeadLetter] {
        let reply = try connection.command(["XRANGE", deadKey, "-", "+", "COUNT", String(limit)])
        return (reply.array ?? []).compactMap(DeadLetter.init(entry:))
    }

    public func deadLetter(id: String, on connection: RedisConnection) throws -> DeadLetter? {
        guard Self.isStreamID(id) else { return nil }
        return (try connection.command(["XRANGE", deadKey, id, id]).array ?? []).compactMap(DeadLetter.init(entry:)).first
    }

    /// Puts a dead letter back as a fresh job (attempt 1); false when there is no such dead letter.
    /// One that holds no readable job cannot run and is refused.
    public func requeueDeadLetter(id: String, on connection: RedisConnection) throws -> Bool {
        guard let letter = try deadLetter(id: id, on: connection) else { return false }
        guard let dead = letter.job else { throw Failure(description: "dead letter \(id) on \(name) holds no readable job; it cannot run again") }
        let job = Job(id: dead.id, queue: name, payload: dead.payload, attempt: 1, enqueuedAt: wallClockSeconds(), idempotencyKey: nil)
        try transaction([["XADD", streamKey, "*", "job", job.json], ["XDEL", deadKey, id]], on: connection)
        return true
    }

    // MARK: Internals

    private func deliveries(of entryID: String, on connection: RedisConnection) throws -> Int {
        let reply = try connection.command(["XPENDING", streamKey, Self.group, entryID, entryID, "1"])
        return Int(reply.array?.first?.array?.dropFirst(3).first?.integer ?? 1)
    }

    private func transaction(_ commands: [[String]], on connection: RedisConnection) throws {
        let replies = try connection.pipeline([["MULTI"]] + commands + [["EXEC"]])
        guard let exec = replies.last, case .array(let results) = exec else {
            throw Failure(description: "transaction on \(name) was aborted: \(replies)")
        }
        for result in results {
            if case .error(let message) = result { throw Failure(description: "transaction on \(name): \(message)") }
        }
    }

    /// Stream entries as jobs, and the entries that hold none (no `job` field, or one that is not
    /// a job's JSON) with what they hold instead.
    static func read(_ reply: RedisReply?) -> (jobs: [(String, Job)], unreadable: [UnreadableEntry]) {
        var jobs: [(String, Job)] = []
        var unreadable: [UnreadableEntry] = []
        for entry in reply?.array ?? [] {
            // A deleted entry still pending comes back as [id, nil]: nothing to read or keep.
            guard let parts = entry.array, parts.count == 2, let id = parts[0].string, let fields = parts[1].array else { continue }
            var text: String?
            var index = 0
            while index + 1 < fields.count {
                if fields[index].string == "job" { text = fields[index + 1].string }
                index += 2
            }
            if let text, let job = Job(json: text) {
                jobs.append((id, job))
            } else {
                unreadable.append(UnreadableEntry(entryID: id, content: text ?? fields.compactMap(\.string).joined(separator: " ")))
            }
        }
        return (jobs, unreadable)
    }

    static func isStreamID(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    func newJobID() -> String {
        RandomBytes.hex(16)
    }

    /// KEYS: stream, idempotency key. ARGV: job JSON, use-key flag, key TTL. Returns the entry id,
    /// or nil when the key was already taken.
    static let enqueueScript = """
        if ARGV[2] == '1' then
          if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then return false end
        end
        return redis.call('XADD', KEYS[1], '*', 'job', ARGV[1])
        """

    /// KEYS: delayed set, stream. ARGV: now in ms. Moves up to 500 due jobs.
    static let promoteScript = """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 500)
        for _, job in ipairs(due) do
          redis.call('ZREM', KEYS[1], job)
          redis.call('XADD', KEYS[2], '*', 'job', job)
        end
        return #due
        """
}

/// Queue counters, for metrics and operators.
public struct QueueStats: Sendable, Equatable {
    public let queue: String
    public let waiting: Int
    public let inFlight: Int
    public let delayed: Int
    public let done: Int
    public let retried: Int
    public let dead: Int
    public let deadLetters: Int

    /// Prometheus text exposition lines.
    public var prometheus: String {
        [("waiting", waiting), ("in_flight", inFlight), ("delayed", delayed), ("done_total", done), ("retried_total", retried),
         ("dead_total", dead), ("dead_letters", deadLetters)]
            .map { "ccr_queue_\($0.0){queue=\"\(queue)\"} \($0.1)" }.joined(separator: "\n")
    }
}

/// A job that failed `maxAttempts` times, with its last error.
/// A stream entry that holds no readable job: its `job` field's text, or its fields.
public struct UnreadableEntry: Sendable, Equatable {
    public let entryID: String
    public let content: String
}

public struct DeadLetter: Sendable {
    public let id: String
    /// Nil for an entry that held no readable job (`deadLetterUnreadable`); `content` has it.
    public let job: Job?
    public let content: String
    public let error: String
    public let attempts: Int
    public let failedAt: Int64

    init?(entry: RedisReply) {
        guard let parts = entry.array, parts.count == 2, let id = parts[0].string, let fields = parts[1].array else { return nil }
        var values: [String: String] = [:]
        var index = 0
        while index + 1 < fields.count {
            values[fields[index].string ?? ""] = fields[index + 1].string
            index += 2
        }
        guard let text = values["job"] else { return nil }
        self.id = id
        self.job = Job(json: text)
        self.content = text
        self.error = values["error"] ?? ""
        self.attempts = Int(values["attempts"] ?? "") ?? 0
        self.failedAt = Int64(values["failedAt"] ?? "") ?? 0
    }
}
