import BlockingIO
import FunctionRuntime
import FunctionServer
import JSONValue
import JobQueue
import LocalRunner
import Logging
import NIOConcurrencyHelpers
import Processes
import Redis
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct QueueTests {
    static func uniqueQueue(_ prefix: String) -> String { "\(prefix)-\(UInt32.random(in: 0...UInt32.max))" }

    static func connection() throws -> RedisConnection { try RedisConnection(url: try TestServices.redisURL(), readTimeout: false) }

    /// Runs an in-process worker until it has been idle for a moment.
    /// A job function from a closure, for tests that observe each run.
    struct ClosureJob: JobFunction {
        let body: @Sendable (ClaimedJob, FunctionContext) async throws -> Void
        func handle(_ job: ClaimedJob, context: FunctionContext) async throws { try await body(job, context) }
    }

    static func drain(_ queue: JobQueue, handler: @escaping @Sendable (ClaimedJob, FunctionContext) async throws -> Void) async throws -> JobWorker.Report {
        var logger = Logger(label: "queue-test")
        logger.logLevel = .error
        return try await JobWorker(queue: queue, redisURL: try TestServices.redisURL(), consumer: "test", batchSize: 16,
                                   idleExitSeconds: 1, logger: logger, function: ClosureJob(body: handler)).work()
    }

    @Test func duplicateEnqueueWithOneIdempotencyKeyRunsOnce() async throws {
        let queue = JobQueue(name: Self.uniqueQueue("idem"))
        let redis = try Self.connection()
        let first = try queue.enqueue(["n": 1], idempotencyKey: "renewal:42", on: redis)
        let second = try queue.enqueue(["n": 2], idempotencyKey: "renewal:42", on: redis)
        let other = try queue.enqueue(["n": 3], idempotencyKey: "renewal:43", on: redis)
        #expect(first != nil)
        #expect(second == nil)
        #expect(other != nil)
        let runs = NIOLockedValueBox<[Int64]>([])
        let report = try await Self.drain(queue) { claimed, _ in runs.withLockedValue { $0.append(claimed.job.payload["n"]?.int64Value ?? 0) } }
        #expect(report.succeeded == 2)
        #expect(runs.withLockedValue { $0.sorted() } == [1, 3])
        #expect(try queue.stats(on: redis).done == 2)
    }

    @Test func failuresRetryWithBackoffThenPoisonGoesToDeadLetters() async throws {
        let queue = JobQueue(name: Self.uniqueQueue("poison"),
                             options: QueueOptions(maxAttempts: 3, backoffBaseMilliseconds: 20, backoffMaxMilliseconds: 100))
        let redis = try Self.connection()
        _ = try queue.enqueue(["kind": "poison"], on: redis)
        _ = try queue.enqueue(["kind": "flaky"], on: redis)
        let attempts = NIOLockedValueBox<[String: [Int]]>([:])
        let report = try await Self.drain(queue) { claimed, _ in
            let kind = claimed.job.payload["kind"]?.stringValue ?? ""
            attempts.withLockedValue { $0[kind, default: []].append(claimed.effectiveAttempt) }
            if kind == "poison" || claimed.effectiveAttempt < 2 { throw JobQueue.Failure(description: "boom \(kind)") }
        }
        #expect(attempts.withLockedValue { $0["poison"] } == [1, 2, 3])
        #expect(attempts.withLockedValue { $0["flaky"] } == [1, 2])
        #expect(report.deadLettered == 1)
        let stats = try queue.stats(on: redis)
        #expect(stats.dead == 1)
        #expect(stats.done == 1)
        #expect(stats.retried == 3)
        #expect(stats.waiting == 0 && stats.inFlight == 0 && stats.delayed == 0)
        let letters = try queue.deadLetters(on: redis)
        #expect(letters.count == 1)
        #expect(letters.first?.error.contains("boom poison") == true)
        #expect(letters.first?.attempts == 3)
        // An operator requeues it; it runs again (and fails again, back to dead letters).
        let id = try #require(letters.first?.id)
        #expect(try queue.requeueDeadLetter(id: id, on: redis))
        #expect(try queue.deadLetters(on: redis).isEmpty)
        #expect(try queue.requeueDeadLetter(id: id, on: redis) == false)
        _ = try await Self.drain(queue) { claimed, _ in
            attempts.withLockedValue { $0["requeued", default: []].append(claimed.effectiveAttempt) }
        }
        #expect(attempts.withLockedValue { $0["requeued"] } == [1])
        #expect(try queue.stats(on: redis).deadLetters == 0)
    }

    /// A worker killed with SIGKILL in the middle of a job: the job is handed to the next worker
    /// after the visibility timeout and completes exactly once in effect.
    /// A batch claimed ahead (`JobWorker` claims the next batch while one runs) and held past the
    /// visibility timeout: what another worker took in the meantime is not run again by the
    /// worker that claimed it first, and what it still owns is its own again.
    @Test func aBatchHeldPastTheVisibilityTimeoutKeepsOnlyWhatIsStillItsOwn() async throws {
        let queue = JobQueue(name: Self.uniqueQueue("held"), options: QueueOptions(visibilityTimeoutMilliseconds: 300))
        let redis = try Self.connection()
        try queue.ensureGroup(on: redis)
        try queue.enqueueMany([["n": 1], ["n": 2]], on: redis)
        let fetched = try queue.fetch(consumer: "first", count: 2, blockMilliseconds: 1, on: redis)
        let held = fetched.jobs()
        #expect(held.count == 2)
        try await Task.sleep(nanoseconds: 450_000_000)
        // Another worker takes one of them, as any worker does after the timeout (XAUTOCLAIM).
        let stolen = try queue.fetch(consumer: "second", count: 1, blockMilliseconds: 1, on: redis).jobs()
        #expect(stolen.map(\.entryID) == [held[0].entryID] && stolen.first?.deliveries == 2)
        let heldMilliseconds = Int((monotonicNanoseconds() - fetched.fetchedAt) / 1_000_000)
        let kept = try queue.keepClaimed(held, consumer: "first", heldMilliseconds: heldMilliseconds, on: redis)
        #expect(kept.map(\.entryID) == [held[1].entryID])
        // Both are fresh in their owners' hands: nobody can take either right away.
        #expect(try queue.fetch(consumer: "third", count: 2, blockMilliseconds: 1, on: redis).isEmpty)
    }

    /// An entry that holds no job (a bad write, a hand-made XADD) becomes a dead letter at once,
    /// beside a good job that runs: it is not handed out again after every visibility timeout.
    @Test func anEntryHoldingNoJobIsDeadLetteredAtOnce() async throws {
        let queue = JobQueue(name: Self.uniqueQueue("unreadable"))
        let redis = try Self.connection()
        try queue.ensureGroup(on: redis)
        #expect(try redis.command(["XADD", queue.streamKey, "*", "job", "{not json"]).string != nil)
        try queue.enqueue(["n": 1], on: redis)
        #expect(try redis.command(["XADD", queue.streamKey, "*", "other", "field"]).string != nil)
        let runs = NIOLockedValueBox(0)
        let report = try await Self.drain(queue) { _, _ in runs.withLockedValue { $0 += 1 } }
        #expect(runs.withLockedValue { $0 } == 1)
        #expect(report.succeeded == 1 && report.deadLettered == 2)
        let stats = try queue.stats(on: redis)
        #expect(stats.done == 1 && stats.dead == 2 && stats.deadLetters == 2)
        #expect(stats.waiting == 0 && stats.inFlight == 0)
        let letters = try queue.deadLetters(on: redis)
        #expect(letters.map(\.content) == ["{not json", "other field"])
        #expect(letters.allSatisfy { $0.job == nil && $0.error.hasPrefix("unreadable job entry ") })
        // It cannot run again, so an operator's retry says so instead of enqueueing garbage.
        #expect(throws: JobQueue.Failure.self) { try queue.requeueDeadLetter(id: letters[0].id, on: redis) }
        #expect(try queue.deadLetters(on: redis).count == 2)
    }

    @Test func workerKilledMidJobCompletesExactlyOnceInEffect() async throws {
        let name = Self.uniqueQueue("kill")
        let queue = JobQueue(name: name)
        let redis = try Self.connection()
        try queue.ensureGroup(on: redis)
        let jobID = try #require(try queue.enqueue(["sleepMs": 4_000], on: redis))
        let binary = SharedResearch.repositoryRoot() + "/.build/debug/ccr-local"
        let environment = ["REDIS_URL": try #require(Settings.Environment().optional("CCR_TEST_REDIS_URL")), "PATH": "/usr/bin:/bin",
                           "LOG_LEVEL": "error"]
        func startWorker() throws -> ChildProcess {
            try ChildProcess(executable: binary, arguments: [
                "serve-worker", "--queue", name, "--mode", "record", "--visibility-timeout-ms", "1000", "--idle-exit-seconds", "2"],
                environment: environment)
        }
        let first = try startWorker()
        var waited = 0
        while try queue.stats(on: redis).inFlight == 0, waited < 1000 {
            try await Task.sleep(nanoseconds: 10_000_000)
            waited += 1
        }
        #expect(try queue.stats(on: redis).inFlight == 1)
        kill(first.pid, SIGKILL)
        _ = await first.waitForExit()
        #expect(try redis.command(["EXISTS", "queue-test:effect:\(jobID)"]) == .integer(0))

        let second = try startWorker()
        #expect(await second.waitForExit(timeoutMilliseconds: 30_000) == 0)
        #expect(try redis.command(["GET", "queue-test:runs:\(jobID)"]).string == "1")
        #expect(try redis.command(["EXISTS", "queue-test:effect:\(jobID)"]) == .integer(1))
        let stats = try queue.stats(on: redis)
        #expect(stats.done == 1)
        #expect(stats.waiting == 0 && stats.inFlight == 0 && stats.dead == 0)
    }
}

import Settings
