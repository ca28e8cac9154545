import FunctionRuntime
public import Logging
import Redis
public import Settings
#if canImport(Glibc)
import Glibc
#endif

/// The entry point of job-function executables: `FunctionMain.run` with one `JobWorker` on the
/// queue named like the function. Configuration from the environment (`REDIS_URL`, optional
/// `JOB_IDLE_EXIT_SECONDS` default 30, `JOB_VISIBILITY_TIMEOUT_MS`, `JOB_MAX_ATTEMPTS`,
/// `JOB_BACKOFF_BASE_MS`, `JOB_BATCH_SIZE`); exits 0 when the queue stays empty (scale to zero)
/// or after SIGTERM between batches, 2 on bad configuration, 1 on a failure.
public enum JobMain {
    public static func run(
        name: String, _ makeFunction: @escaping @Sendable (Environment, Logger) async throws -> any JobFunction
    ) async -> Never {
        await FunctionMain.run(name: name) { environment, logger in
            let redisURL = try RedisURL.fromEnvironment(environment)
            let options = try QueueOptions.fromEnvironment(environment)
            let idle = try environment.int("JOB_IDLE_EXIT_SECONDS", default: 30, range: 0...86_400)
            let batch = try environment.int("JOB_BATCH_SIZE", default: 16, range: 1...1_000)
            let function = try await makeFunction(environment, logger)
            return [JobWorker(queue: JobQueue(name: name, options: options), redisURL: redisURL, consumer: consumerName(),
                              batchSize: batch, idleExitSeconds: idle == 0 ? nil : idle, logger: logger, function: function)]
        }
    }

    /// `host-pid`: unique per worker process, readable in `XINFO CONSUMERS`.
    public static func consumerName() -> String {
        var hostname = [CChar](repeating: 0, count: 256)
        gethostname(&hostname, hostname.count)
        let name = String(decoding: hostname.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(name)-\(getpid())"
    }
}

extension QueueOptions {
    public static func fromEnvironment(_ environment: Environment) throws -> QueueOptions {
        QueueOptions(
            visibilityTimeoutMilliseconds: try environment.int("JOB_VISIBILITY_TIMEOUT_MS", default: 60_000, range: 100...86_400_000),
            maxAttempts: try environment.int("JOB_MAX_ATTEMPTS", default: 5, range: 1...100),
            backoffBaseMilliseconds: try environment.int("JOB_BACKOFF_BASE_MS", default: 1_000, range: 1...3_600_000))
    }
}
