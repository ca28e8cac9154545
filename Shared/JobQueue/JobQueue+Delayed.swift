import BlockingIO
public import JSONValue
public import Redis

extension JobQueue {
    /// Enqueues jobs that must not run before a given time (a rate limit's `retry_after`, a
    /// backoff the function chose itself). They wait in the same delayed set as the queue's own
    /// retries and are moved into the stream when due, by a running worker or by the schedule's
    /// `enqueue-job` run (so `hasWork` and KEDA see them). All in one pipelined round trip.
    public func enqueue(delayed jobs: [(payload: JSONValue, delayMilliseconds: Int)], on connection: RedisConnection) throws {
        guard !jobs.isEmpty else { return }
        let now = wallClockSeconds()
        let nowMilliseconds = Int64(now * 1000)
        let commands = jobs.map { item in
            let job = Job(id: newJobID(), queue: name, payload: item.payload, attempt: 1, enqueuedAt: now, idempotencyKey: nil)
            return ["ZADD", delayedKey, String(nowMilliseconds + Int64(max(0, item.delayMilliseconds))), job.json]
        }
        for reply in try connection.pipeline(commands) {
            if case .error(let message) = reply { throw Failure(description: "delayed enqueue on \(name): \(message)") }
        }
    }
}
