import Settings
import Logging
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

/// The shared entry point of HTTP function executables: JSON logging, configuration errors as one
/// line on stderr with exit code 2, then serve on `$PORT` (default 8080).
public enum FunctionMain {
    public static func serve<Function: HTTPFunction>(
        name: String, _ makeFunction: @Sendable (Environment, Logger) async throws -> Function
    ) async {
        let environment = Environment()
        JSONLogHandler.bootstrap(level: environment.optional("LOG_LEVEL"))
        let logger = Logger(label: name)
        do {
            let port = try environment.int("PORT", default: 8080, range: 1...65535)
            let host = environment.optional("HOST") ?? "0.0.0.0"
            let function = try await makeFunction(environment, logger)
            try await HTTPFunctionServer(function: function, logger: logger).run(host: host, port: port)
        } catch let error as ConfigurationError {
            exitWithMessage("\(name): configuration error: \(error.description)", code: 2)
        } catch {
            exitWithMessage("\(name): \(error)", code: 1)
        }
    }

    public static func exitWithMessage(_ message: String, code: Int32) -> Never {
        StandardError.write(message + "\n")
        exit(code)
    }
}
