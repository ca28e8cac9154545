public import JSONValue
public import Logging
public import Redis

extension JobQueue {
    /// Asks this queue's job to run now, after a change that is already committed (a creator or
    /// channel added, linked, removed). Best effort: a failure is logged, not thrown, because the
    /// job's scheduled run repairs whatever the request would have done sooner.
    public func request(_ payload: JSONValue, redis: RedisClient, logger: Logger) async {
        do {
            try await redis.withConnection { connection in _ = try enqueue(payload, on: connection) }
        } catch {
            logger.warning("could not ask for a run now; the scheduled run will catch up",
                           metadata: ["queue": "\(name)", "error": "\(error)"])
        }
    }
}
