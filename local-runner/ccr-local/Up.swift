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

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start everything (the default command).")
    @OptionGroup var common: CommonOptions
    @Option(help: "Router port on 127.0.0.1.") var port = 8080
    @Option(help: "Socket relay port on 127.0.0.1.") var relayPort = 8081
    @Option(help: "Stop a function's process after this many idle seconds (scale to zero).") var idleSeconds = 60
    @Flag(help: "Seed two demo agencies and replay a signed EventSub script.") var demo = false
    @Option(help: "The dashboard's static files.") var dashboard = "Functions/Dashboard/public"
    @Option(help: ArgumentHelp("Run N socket relays (--relay-port and the next N-1 ports) and N twitch-webhook instances behind HAProxy on --port (the router moves to an internal port).",
                               valueName: "N")) var replicas: Int?

    func validate() throws {
        if let replicas, !(2...16).contains(replicas) { throw ValidationError("--replicas must be between 2 and 16") }
    }

    func run() async throws {
        let logger = makeLogger("local-runner")
        try await reportingErrors {
            try await LocalInstance(options: .init(
                port: port, relayPort: relayPort, idleSeconds: idleSeconds, binaryDirectory: absolute(common.binDir), routesFile: absolute(common.routes),
                jobsFile: absolute(common.jobs), dashboardDirectory: absolute(dashboard), files: common.files, demo: demo, replicas: replicas), logger: logger).run()
        }
    }
}
