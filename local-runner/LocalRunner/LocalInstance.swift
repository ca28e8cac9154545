import Logging
import Router
import Settings
import StructuredLogging

/// `local-runner/run` (up): services, migrations, the router with its functions, until Ctrl-C.
public struct LocalInstance: Sendable {
    public struct Options: Sendable {
        public var port: Int
        public var idleSeconds: Int
        public var binaryDirectory: String
        public var routesFile: String
        public var files: InstanceFiles
        public var demo: Bool

        public init(port: Int, idleSeconds: Int, binaryDirectory: String, routesFile: String, files: InstanceFiles, demo: Bool) {
            self.port = port
            self.idleSeconds = idleSeconds
            self.binaryDirectory = binaryDirectory
            self.routesFile = routesFile
            self.files = files
            self.demo = demo
        }
    }

    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run() async throws {
        guard let routesText = FileSystem.readText(options.routesFile) else {
            throw OperatorCommands.Failure(description: "cannot read the route table \(options.routesFile)")
        }
        let table = try RouteTable(json: routesText)
        for function in table.functions where !FileSystem.exists("\(options.binaryDirectory)/\(function)") {
            throw OperatorCommands.Failure(description: "\(options.binaryDirectory)/\(function) is missing; build with: swift build -c release")
        }
        let environment = Environment()
        let stack = try ServiceStack(mode: .persistent(dataDirectory: options.files.dataDirectory), environment: environment, logger: logger)
        var runtime: RuntimeEnvironment
        do {
            runtime = try await stack.start()
        } catch {
            await stack.stop()
            throw error
        }
        runtime.routerURL = "http://127.0.0.1:\(options.port)"
        try KeyValueFile.write(runtime.pairs, to: options.files.runtimeEnvironment)

        var functionEnvironment = environment.all.filter { ["PATH", "LANG", "LOG_LEVEL", "TZ"].contains($0.key) }
        for (key, value) in runtime.pairs { functionEnvironment[key] = value }
        let router = RouterServer(table: table, binaryDirectory: options.binaryDirectory, environment: functionEnvironment,
                                  idleSeconds: options.idleSeconds, logger: logger)
        let demo = options.demo
        let files = options.files
        let runtimeCopy = runtime
        let logger = self.logger
        do {
            try await router.run(host: "127.0.0.1", port: options.port) { port in
                StandardOutput.line("""

                    Creator Control Room is running.
                      router    http://127.0.0.1:\(port)   (POST /webhooks/twitch)
                      postgres  \(Self.redacted(runtimeCopy.databaseURL))
                      redis     \(Self.redacted(runtimeCopy.redisURL))
                    Print the full environment with: local-runner/run env
                    Stop with Ctrl-C.

                    """)
                if demo {
                    Task {
                        do { try await DemoScript(runtime: runtimeCopy, files: files, logger: logger).run() } catch {
                            logger.error("demo failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
        } catch {
            FileSystem.remove(options.files.runtimeEnvironment)
            await stack.stop()
            throw error
        }
        FileSystem.remove(options.files.runtimeEnvironment)
        await stack.stop()
        StandardOutput.line("stopped")
    }

    static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let colon = url.firstIndex(of: ":") else { return url }
        return String(url[...colon]) + "//…@" + String(url[url.index(after: at)...])
    }
}
