public import Logging
public import ServiceLifecycle
import UnixSignals
public import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

/// The one entry point and lifecycle of every long-running executable (HTTP functions, job
/// workers, the relay): JSON logs on stderr, configuration read once (a bad value is one line on
/// stderr and exit 2), then its services run in a `ServiceGroup` until they finish or SIGTERM /
/// SIGINT asks them to shut down gracefully (drain in-flight work, then return); exit 0.
public enum FunctionMain {
    public static func run(
        name: String, _ makeServices: @Sendable (Environment, Logger) async throws -> [any Service]
    ) async -> Never {
        let environment = Environment()
        JSONLogHandler.bootstrap(level: environment.optional("LOG_LEVEL"))
        let logger = Logger(label: name)
        do {
            try await runServices(try await makeServices(environment, logger), logger: logger)
            exit(0)
        } catch let error as ConfigurationError {
            exitWithMessage("\(name): configuration error: \(error.description)", code: 2)
        } catch {
            exitWithMessage("\(name): \(error)", code: 1)
        }
    }

    /// Runs services together until each has returned: SIGTERM / SIGINT shut them all down
    /// gracefully, and one that returns (a worker gone idle) shuts the others down too.
    public static func runServices(_ services: [any Service], logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    /// One readable line on stderr, then exit: how every executable reports a fatal problem.
    public static func exitWithMessage(_ message: String, code: Int32) -> Never {
        StandardError.write(message + "\n")
        exit(code)
    }
}
