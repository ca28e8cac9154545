import ArgumentParser
import FunctionRuntime
import JobQueue
import Redis
import AccessTokens
import BlockingIO
import Logging
import LocalRunner
import Router
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

/// A worker with a test handler (queue tests, `bench queue`).
struct ServeWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve-worker", abstract: "Run a test worker.", shouldDisplay: false)
    @Option var queue: String
    @Option var mode: String = "noop"
    @Option var batch = 64
    @Option var idleExitSeconds = 30
    @Option var visibilityTimeoutMs = 60_000
    @Option var maxAttempts = 5
    @Option var backoffBaseMs = 1_000

    func run() async throws {
        let logger = makeLogger("test-worker")
        try await reportingErrors {
            guard let handlerMode = TestWorkerMode(rawValue: mode) else { throw OperatorCommands.Failure(description: "--mode: noop or record") }
            let url = try RedisURL(parsing: try Environment().required("REDIS_URL"))
            let redis = RedisClient(url: url)
            let options = QueueOptions(visibilityTimeoutMilliseconds: visibilityTimeoutMs, maxAttempts: maxAttempts, backoffBaseMilliseconds: backoffBaseMs)
            let worker = JobWorker(queue: JobQueue(name: queue, options: options), redisURL: url, consumer: "test-\(getpid())",
                                   batchSize: batch, idleExitSeconds: idleExitSeconds, logger: logger, function: handlerMode.function(redis: redis))
            // Stops between batches on SIGTERM, like every job executable.
            try await FunctionMain.runServices([worker], logger: logger)
        }
    }
}
