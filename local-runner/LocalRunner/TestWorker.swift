import JSONValue
import BlockingIO
public import FunctionRuntime
public import JobQueue
public import Redis

/// Job handlers for the queue's own tests and benchmark (`ccr-local serve-worker`), run as a
/// real worker process so that it can be killed with SIGKILL mid-job.
public enum TestWorkerMode: String, Sendable, CaseIterable {
    /// Does nothing (throughput benchmark).
    case noop
    /// Optionally sleeps (`payload.sleepMs`), optionally fails (`payload.fail`), then records its
    /// effect idempotently: `SET queue-test:effect:{job id} NX` and `INCR queue-test:completions:{job id}`.
    case record

    public func function(redis: RedisClient) -> TestJob { TestJob(mode: self, redis: redis) }
}

/// The job function of a `TestWorkerMode`.
public struct TestJob: JobFunction {
    let mode: TestWorkerMode
    let redis: RedisClient

    public func handle(_ claimed: ClaimedJob, context: FunctionContext) async throws {
        switch mode {
        case .noop:
            return
        case .record:
            if let sleep = claimed.job.payload["sleepMs"]?.int64Value, sleep > 0 { try await Task.sleep(nanoseconds: UInt64(sleep) * 1_000_000) }
            if claimed.job.payload["fail"]?.boolValue == true { throw JobQueue.Failure(description: "asked to fail") }
            let id = claimed.job.id
            _ = try await redis.pipeline([["SET", "queue-test:effect:\(id)", "1", "NX"], ["INCR", "queue-test:runs:\(id)"]])
        }
    }
}
