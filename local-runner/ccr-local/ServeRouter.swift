import Files
import ArgumentParser
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

/// The router alone, with the environment it was given (the webhook benchmark runs it as its own process).
struct ServeRouter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve-router", abstract: "Run only the router.", shouldDisplay: false)
    @OptionGroup var common: CommonOptions
    @Option var port = 8080
    @Option var idleSeconds = 60

    func run() async throws {
        let logger = makeLogger("router")
        try await reportingErrors {
            guard let text = FileSystem.readText(absolute(common.routes)) else {
                throw OperatorCommands.Failure(description: "cannot read \(common.routes)")
            }
            let router = RouterServer(table: try RouteTable(json: text), binaryDirectory: absolute(common.binDir),
                                      environment: Environment().all, idleSeconds: idleSeconds, logger: logger)
            try await router.run(host: "127.0.0.1", port: port)
        }
    }
}
