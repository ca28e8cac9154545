import FunctionRuntime
import Logging
import Redis
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

/// The shared entry point of job-function executables: configuration from the environment
/// (`REDIS_URL`, optional `JOB_IDLE_EXIT_SECONDS` default 30, `JOB_VISIBILITY_TIMEOUT_MS`,
/// `JOB_MAX_ATTEMPTS`, `JOB_BATCH_SIZE`), JSON logs, SIGTERM handled between batches; exits 0 when
/// the queue stays empty (scale to zero), 2 on bad configuration, 1 on a failure.
public enum JobMain {
    public static func run(
        name: String, queue queueName: String, _ makeHandler: @Sendable (Environment, Logger) async throws -> JobWorker.Handler
    ) async {
        let environment = Environment()
        JSONLogHandler.bootstrap(level: environment.optional("LOG_LEVEL"))
        let logger = Logger(label: name)
        JobWorker.installSignalHandlers()
        do {
            let redisURL = try RedisURL.fromEnvironment(environment)
            let options = try QueueOptions.fromEnvironment(environment)
            let idle = try environment.int("JOB_IDLE_EXIT_SECONDS", default: 30, range: 0...86_400)
            let batch = try environment.int("JOB_BATCH_SIZE", default: 16, range: 1...1_000)
            let handler = try await makeHandler(environment, logger)
            var hostname = [CChar](repeating: 0, count: 256)
            gethostname(&hostname, hostname.count)
            let consumer = "\(String(cString: hostname))-\(getpid())"
            let worker = JobWorker(queue: JobQueue(name: queueName, options: options), redisURL: redisURL, consumer: consumer,
                                   batchSize: batch, idleExitSeconds: idle == 0 ? nil : idle, logger: logger, handler: handler)
            let report = try await worker.run()
            logger.info("worker stopped", metadata: ["succeeded": "\(report.succeeded)", "failed": "\(report.failed)",
                                                      "deadLettered": "\(report.deadLettered)"])
            exit(0)
        } catch let error as ConfigurationError {
            FunctionMain.exitWithMessage("\(name): configuration error: \(error.description)", code: 2)
        } catch {
            FunctionMain.exitWithMessage("\(name): \(error)", code: 1)
        }
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
