import BlockingIO
public import Logging
import JobQueue
import ObjectStore
import ObjectStoreStandIn
import Postgres
import Files
import Redis
import Processes
import Router
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

/// `local-runner/run` (up): services, migrations, the router with its functions, until Ctrl-C.
public struct LocalInstance: Sendable {
    public struct Options: Sendable {
        public var port: Int
        public var relayPort: Int
        public var idleSeconds: Int
        public var binaryDirectory: String
        public var routesFile: String
        public var jobsFile: String
        public var dashboardDirectory: String
        public var files: InstanceFiles
        public var demo: Bool
        /// `--replicas N`: N relays (on `relayPort`, `relayPort + 1`, …) and N webhook instances
        /// behind HAProxy on `port`, the router moved to an internal port. Nil: no proxy.
        public var replicas: Int?

        public init(port: Int, relayPort: Int, idleSeconds: Int, binaryDirectory: String, routesFile: String, jobsFile: String,
                    dashboardDirectory: String, files: InstanceFiles, demo: Bool, replicas: Int? = nil) {
            self.replicas = replicas
            self.relayPort = relayPort
            self.jobsFile = jobsFile
            self.dashboardDirectory = dashboardDirectory
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
        // First, before anything in the folder is touched: one data folder, one owner.
        let lock = try InstanceLock.acquire(options.files, as: InstanceLock.Owner(
            pid: getpid(), routerURL: "http://127.0.0.1:\(options.port)", relayURL: relayPublicURL))
        defer { lock.release() }
        guard let routesText = FileSystem.readText(options.routesFile) else {
            throw OperatorCommands.Failure(description: "cannot read the route table \(options.routesFile)")
        }
        let table = try RouteTable(json: routesText)
        let jobFunctions = try JobTable.load(options.jobsFile).jobs.map(\.function)
        for function in table.functions + jobFunctions + ["twitch-stand-in", "oidc-stand-in", "discord-stand-in", "youtube-stand-in", "rumble-stand-in", "socket-relay"] where !FileSystem.exists("\(options.binaryDirectory)/\(function)") {
            throw OperatorCommands.Failure(description: "\(options.binaryDirectory)/\(function) is missing; build with: swift build -c release")
        }
        if let replicas = options.replicas {
            guard replicas >= 2 else { throw OperatorCommands.Failure(description: "--replicas needs at least 2 (without it: one of each, no proxy)") }
            if let missing = EmbeddedHAProxy.missing { throw OperatorCommands.Failure(description: missing) }
            for port in relayPorts where Ports.isAccepting(port: port) {
                throw OperatorCommands.Failure(description: "relay port \(port) is in use (--replicas \(replicas) uses --relay-port "
                                               + "\(options.relayPort) to \(options.relayPort + replicas - 1)); choose another --relay-port")
            }
        }
        let environment = Environment()
        let processesFile = options.files.processes
        let stack = try ServiceStack(mode: .persistent(dataDirectory: options.files.dataDirectory), environment: environment, logger: logger,
                                     onProcessChange: { ProcessStatus.write($0, to: processesFile) })
        let supervisor = stack.supervisor
        var runtime: RuntimeEnvironment
        do {
            runtime = try await stack.start()
        } catch {
            await stack.stop()
            FileSystem.remove(processesFile)
            throw error
        }
        let executor = BlockingExecutor(threads: 2)
        var workers: WorkerSupervisor?
        do {
            try await serve(&runtime, stack: stack, supervisor: supervisor, executor: executor, table: table, environment: environment,
                            workers: &workers)
        } catch {
            await shutDown(stack: stack, workers: workers, executor: executor)
            throw error
        }
        await shutDown(stack: stack, workers: workers, executor: executor)
        StandardOutput.line("stopped")
    }

    /// Stops what this instance started, newest first, and removes the files naming it.
    private func shutDown(stack: ServiceStack, workers: WorkerSupervisor?, executor: BlockingExecutor) async {
        FileSystem.remove(options.files.runtimeEnvironment)
        if options.replicas != nil { FileSystem.remove(options.files.proxyEnvironment) }
        await workers?.stopAll()
        await stack.stop()
        await executor.shutdown()
        FileSystem.remove(options.files.processes)
    }

    private func serve(_ runtime: inout RuntimeEnvironment, stack: ServiceStack, supervisor: ProcessSupervisor, executor: BlockingExecutor,
                       table: RouteTable, environment: Environment, workers: inout WorkerSupervisor?) async throws {
        runtime.routerURL = "http://127.0.0.1:\(options.port)"
        try KeyValueFile.write(runtime.pairs, to: options.files.runtimeEnvironment)

        // Development identity provider: a key pair in the data folder, its JWKS served by the router.
        let keys = try DevelopmentKeys.loadOrCreate(in: options.files.dataDirectory)
        // Local S3 stand-in: files in the data folder behind /objects, same signatures as S3.
        let objectStore = try ObjectStoreConfiguration(
            endpoint: "http://127.0.0.1:\(options.port)/objects", bucket: "ccr-local", region: "local",
            accessKeyID: "local-dev", secretAccessKey: runtime.objectStoreSecret)
        let objectHandler = LocalObjectStoreHandler(configuration: objectStore,
                                                    store: LocalObjectStore(rootDirectory: options.files.dataDirectory + "/objects"))

        var functionEnvironment = environment.all.filter { ["PATH", "LANG", "LOG_LEVEL", "TZ"].contains($0.key) }
        for (key, value) in runtime.pairs { functionEnvironment[key] = value }
        functionEnvironment["JWT_ISSUER"] = DevelopmentKeys.issuer
        functionEnvironment["JWT_AUDIENCE"] = DevelopmentKeys.audience
        // Access tokens verify with the auth function's own keys (from the database) and the
        // development key of `local-runner/run token`.
        functionEnvironment["JWT_JWKS_URL"] = "http://127.0.0.1:\(options.port)" + LocalEndpoints.developmentJWKSPath
        // Plain HTTP on loopback: session cookies without `Secure` (and so without `__Host-`).
        functionEnvironment["AUTH_COOKIE_SECURE"] = "false"
        functionEnvironment["S3_ENDPOINT"] = objectStore.endpoint
        functionEnvironment["S3_BUCKET"] = objectStore.bucket
        functionEnvironment["S3_REGION"] = objectStore.region
        functionEnvironment["S3_ACCESS_KEY_ID"] = objectStore.accessKeyID
        functionEnvironment["S3_SECRET_ACCESS_KEY"] = objectStore.secretAccessKey
        // The dashboard function serves the files from the work tree and points browsers at the
        // relay's own port (WebSockets do not go through the router), or at the proxy with replicas.
        functionEnvironment["DASHBOARD_DIRECTORY"] = options.dashboardDirectory
        functionEnvironment["RELAY_PUBLIC_URL"] = relayPublicURL

        // Twitch: the real API when credentials are configured, else the local stand-in (supervised,
        // restarted on the same port, which the functions' environment names).
        if let clientID = environment.optional("TWITCH_CLIENT_ID"), let secret = environment.optional("TWITCH_CLIENT_SECRET") {
            functionEnvironment["TWITCH_CLIENT_ID"] = clientID
            functionEnvironment["TWITCH_CLIENT_SECRET"] = secret
        } else {
            // Like a Twitch application, the stand-in accepts only the registered OAuth redirect.
            let redirect = environment.optional("TWITCH_REDIRECT_URL") ?? "http://127.0.0.1:\(options.port)/creator-link/callback"
            let port = try await startStandIn("twitch-stand-in", supervisor: supervisor, environment: ["STAND_IN_REDIRECT_URIS": redirect])
            functionEnvironment["TWITCH_CLIENT_ID"] = "local-client-id"
            functionEnvironment["TWITCH_CLIENT_SECRET"] = "local-client-secret"
            functionEnvironment["TWITCH_API_BASE_URL"] = "http://127.0.0.1:\(port)/helix"
            functionEnvironment["TWITCH_AUTH_BASE_URL"] = "http://127.0.0.1:\(port)/oauth2"
            runtime.twitchStandInURL = "http://127.0.0.1:\(port)"
            try KeyValueFile.write(runtime.pairs, to: options.files.runtimeEnvironment)
        }
        // YouTube: Google's hub and Data API when a key is configured, else the local stand-in
        // (hub, Data API, quota); Rumble: streamers' own Live Stream API URLs, locally the stand-in's.
        if let key = environment.optional("YOUTUBE_API_KEY") {
            functionEnvironment["YOUTUBE_API_KEY"] = key
        } else {
            let port = try await startStandIn("youtube-stand-in", supervisor: supervisor)
            functionEnvironment["YOUTUBE_API_KEY"] = "local-youtube-api-key"
            functionEnvironment["YOUTUBE_API_BASE_URL"] = "http://127.0.0.1:\(port)"
            functionEnvironment["YOUTUBE_HUB_URL"] = "http://127.0.0.1:\(port)/subscribe"
            runtime.youtubeStandInURL = "http://127.0.0.1:\(port)"
            // The stand-in starts with no subscriptions (and the per-run WebSub secret below is new):
            // leases recorded by an earlier run name subscriptions no hub holds, so they are dropped
            // and youtube-subscriptions subscribes every tracked channel again on its next run.
            let adminURL = runtime.databaseAdminURL
            try await executor.run { _ = try PostgresConnection(url: adminURL).query("DELETE FROM websub_subscriptions") }
        }
        // WebSub: the hub calls `/webhooks/youtube/<channel id>` back (loopback; a tunnel's https URL
        // against Google's hub), and the per-topic secrets derive from one master (per run unless set).
        functionEnvironment["YOUTUBE_WEBSUB_CALLBACK_URL"] = environment.optional("YOUTUBE_WEBSUB_CALLBACK_URL")
            ?? "http://127.0.0.1:\(options.port)/webhooks/youtube"
        functionEnvironment["YOUTUBE_WEBSUB_SECRET"] = environment.optional("YOUTUBE_WEBSUB_SECRET") ?? RandomToken.hex(bytes: 20)
        if let rumble = environment.optional("RUMBLE_API_BASE_URL") {
            functionEnvironment["RUMBLE_API_BASE_URL"] = rumble
        } else {
            let port = try await startStandIn("rumble-stand-in", supervisor: supervisor)
            functionEnvironment["RUMBLE_API_BASE_URL"] = "http://127.0.0.1:\(port)"
            runtime.rumbleStandInURL = "http://127.0.0.1:\(port)"
        }
        // Sign-in: the operator's identity providers when configured (OIDC_PROVIDERS and its
        // OIDC_* settings), else the local OpenID provider stand-in with its test users.
        functionEnvironment["AUTH_PUBLIC_URL"] = "http://127.0.0.1:\(options.port)"
        functionEnvironment["AUTH_KEY_ENCRYPTION_KEY"] = try DevelopmentKeys.keyEncryptionKey(in: options.files.dataDirectory)
        functionEnvironment["TOKEN_ENCRYPTION_KEYS"] = try environment.optional("TOKEN_ENCRYPTION_KEYS")
            ?? DevelopmentKeys.tokenEncryptionKeys(in: options.files.dataDirectory)
        // Public URLs Twitch calls back: loopback by default; through a tunnel (see README,
        // "Against real Twitch") both are the tunnel's https URLs.
        functionEnvironment["TWITCH_REDIRECT_URL"] = environment.optional("TWITCH_REDIRECT_URL")
            ?? "http://127.0.0.1:\(options.port)/creator-link/callback"
        functionEnvironment["EVENTSUB_CALLBACK_URL"] = environment.optional("EVENTSUB_CALLBACK_URL")
            ?? "http://127.0.0.1:\(options.port)/webhooks/twitch"
        // Session lifetimes may be shortened for a run (the browser tests' token refresh: 60 s tokens).
        for key in ["AUTH_ACCESS_TOKEN_SECONDS", "AUTH_SESSION_DAYS"] {
            if let value = environment.optional(key) { functionEnvironment[key] = value }
        }
        if environment.optional("OIDC_PROVIDERS") != nil {
            for (key, value) in environment.all where key.hasPrefix("OIDC_") { functionEnvironment[key] = value }
        } else {
            let port = try await startStandIn("oidc-stand-in", supervisor: supervisor)
            functionEnvironment["OIDC_PROVIDERS"] = "local"
            functionEnvironment["OIDC_LOCAL_NAME"] = "Local test users"
            functionEnvironment["OIDC_LOCAL_ISSUER"] = "http://127.0.0.1:\(port)"
            functionEnvironment["OIDC_LOCAL_CLIENT_ID"] = "ccr-local"
            functionEnvironment["OIDC_LOCAL_CLIENT_SECRET"] = "ccr-local-secret"
            runtime.oidcStandInURL = "http://127.0.0.1:\(port)"
            try KeyValueFile.write(runtime.pairs, to: options.files.runtimeEnvironment)
        }
        // Notification destinations: the Discord stand-in (also Slack-shaped hooks and a signed
        // webhook receiver) is the only Discord/Slack host locally, reached over loopback http,
        // which only a local instance allows.
        let discordPort = try await startStandIn("discord-stand-in", supervisor: supervisor)
        functionEnvironment["NOTIFY_DISCORD_HOSTS"] = "127.0.0.1:\(discordPort)"
        functionEnvironment["NOTIFY_SLACK_HOSTS"] = "127.0.0.1:\(discordPort)"
        functionEnvironment["OUTBOUND_ALLOW_PRIVATE"] = "true"
        runtime.discordStandInURL = "http://127.0.0.1:\(discordPort)"
        try KeyValueFile.write(runtime.pairs, to: options.files.runtimeEnvironment)
        // The socket relay: its own process and port (WebSockets do not go through the router);
        // with replicas, one per port of `relayPorts`, each supervised on its own.
        let relayExecutable = options.binaryDirectory + "/socket-relay"
        for (index, relayPort) in relayPorts.enumerated() {
            let relayEnvironment = [
                "PORT": String(relayPort), "HOST": "127.0.0.1", "PATH": "/usr/bin:/bin", "LOG_LEVEL": environment.optional("LOG_LEVEL") ?? "info",
                "REDIS_URL": runtime.redisURL, "DATABASE_URL": runtime.databaseURL,
                "JWT_ISSUER": DevelopmentKeys.issuer, "JWT_AUDIENCE": DevelopmentKeys.audience,
                "JWT_JWKS_URL": "http://127.0.0.1:\(options.port)" + LocalEndpoints.developmentJWKSPath,
                // The dashboard's origin: the router, or the proxy in front of it (the same port).
                "RELAY_CORS_ORIGINS": "http://127.0.0.1:\(options.port)", "AUTH_COOKIE_SECURE": "false",
            ]
            try await supervisor.start(.init(name: options.replicas == nil ? "socket-relay" : "socket-relay-\(index + 1)") {
                try await ListeningProcess.launch(relayExecutable, port: relayPort, environment: relayEnvironment)
            })
        }
        runtime.relayURL = relayPublicURL
        try KeyValueFile.write(runtime.pairs, to: options.files.runtimeEnvironment)

        // Job functions: the scheduler enqueues periodic jobs; the worker supervisor starts a worker
        // whenever a queue has work (KEDA's role in production); workers exit when idle.
        let jobTable = try JobTable.load(options.jobsFile)
        var workerEnvironment = functionEnvironment
        workerEnvironment["JOB_IDLE_EXIT_SECONDS"] = "30"
        let queueRedis = RedisClient(url: try RedisURL(parsing: runtime.redisURL), size: 2, logger: logger)
        let workerSupervisor = WorkerSupervisor(table: jobTable, redis: queueRedis, binaryDirectory: options.binaryDirectory,
                                                environment: workerEnvironment, logger: logger)
        workers = workerSupervisor
        let logger = self.logger
        try await supervisor.start(.init(name: "job-scheduler") {
            SupervisedTask { await JobScheduler(table: jobTable, redis: queueRedis, logger: logger).run() }
        })
        try await supervisor.start(.init(name: "job-workers") { SupervisedTask { await workerSupervisor.run() } })
        // With replicas: N webhook instances and HAProxy in front of them, the relays and the router.
        var started: ProxyConfiguration?
        if let replicas = options.replicas {
            started = try await startReplicas(replicas, supervisor: supervisor, table: table, functionEnvironment: functionEnvironment)
        }
        let proxy = started
        let routerPort = proxy?.routerPort ?? options.port
        let router = RouterServer(table: table, binaryDirectory: options.binaryDirectory, environment: functionEnvironment,
                                  idleSeconds: options.idleSeconds,
                                  localEndpoints: [LocalEndpoints.jwks(keys.jwks), LocalEndpoints.objectStore(objectHandler, executor: executor),
                                                   LocalEndpoints.metrics(jobTable, redis: queueRedis, supervisor: supervisor)],
                                  logger: logger)
        let demo = options.demo
        let files = options.files
        let runtimeCopy = runtime
        let publicPort = options.port
        try await router.run(host: "127.0.0.1", port: routerPort) { port in
            // Browsers, Twitch and API clients: the router's port, or the proxy's in front of it.
            let shownPort = proxy == nil ? port : publicPort
            let proxyLines = proxy.map { proxy in
                "\n  proxy     HAProxy in front: \(proxy.relays.count) relays (:\(proxy.relays.map { String($0.port) }.joined(separator: ", :"))), "
                    + "\(proxy.webhooks.count) twitch-webhook instances, the router"
                    + "\n  internal  router http://127.0.0.1:\(port) (/metrics only there), HAProxy stats http://127.0.0.1:\(proxy.statsPort)/"
            } ?? ""
            StandardOutput.line("""

                Creator Control Room is running.
                  dashboard http://127.0.0.1:\(shownPort)/   (sign in: http://127.0.0.1:\(shownPort)/auth/login)
                  router    http://127.0.0.1:\(shownPort)   (POST /webhooks/twitch, /api)
                  relay     \(runtimeCopy.relayURL ?? "")   (Socket.IO)\(proxyLines)
                  postgres  \(Self.redacted(runtimeCopy.databaseURL))
                  redis     \(Self.redacted(runtimeCopy.redisURL))
                Print the full environment with: local-runner/run env; supervised processes: local-runner/run status
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
    }

    /// Where browsers reach the relay: its own port, or the proxy with replicas.
    private var relayPublicURL: String {
        "http://127.0.0.1:\(options.replicas == nil ? options.relayPort : options.port)"
    }

    /// The relays' ports: `--relay-port`, and the next ones with replicas.
    private var relayPorts: [Int] {
        (0..<max(1, options.replicas ?? 1)).map { options.relayPort + $0 }
    }

    /// `--replicas N`: starts N `twitch-webhook` instances directly (with the environment the
    /// router gives functions), each supervised, then HAProxy on the public port in front of them,
    /// the relays and the router (which moves to a free internal port). Writes `proxy.env`.
    private func startReplicas(_ replicas: Int, supervisor: ProcessSupervisor, table: RouteTable,
                               functionEnvironment: [String: String]) async throws -> ProxyConfiguration {
        // Ports picked now but bound later (the public one by HAProxy, the router's after it) are
        // not free for anything else.
        var taken = Set([options.port] + relayPorts)
        func freePort() throws -> Int {
            var port = try Ports.freeServerPort()
            while taken.contains(port) { port = try Ports.freeServerPort() }
            taken.insert(port)
            return port
        }
        let webhookExecutable = options.binaryDirectory + "/twitch-webhook"
        var webhooks: [ProxyConfiguration.Server] = []
        for index in 1...replicas {
            let server = ProxyConfiguration.Server(name: "twitch-webhook-\(index)", port: try freePort())
            var serverEnvironment = functionEnvironment
            serverEnvironment["PORT"] = String(server.port)
            serverEnvironment["HOST"] = "127.0.0.1"
            let environment = serverEnvironment
            try await supervisor.start(.init(name: server.name) {
                try await ListeningProcess.launch(webhookExecutable, port: server.port, environment: environment)
            })
            webhooks.append(server)
        }
        let relays = relayPorts.enumerated().map { ProxyConfiguration.Server(name: "socket-relay-\($0.offset + 1)", port: $0.element) }
        let configuration = ProxyConfiguration(publicPort: options.port, routerPort: try freePort(), relays: relays, webhooks: webhooks,
                                               webhookPrefixes: ProxyConfiguration.webhookPrefixes(in: table), statsPort: try freePort())
        let haproxy = EmbeddedHAProxy(directory: options.files.proxyDirectory, configuration: configuration)
        // Written first: whoever sees the public port accept can read where everything is.
        try FileSystem.makeDirectories(options.files.proxyDirectory, mode: 0o755)
        try KeyValueFile.write(configuration.pairs, to: options.files.proxyEnvironment)
        try await supervisor.start(.init(name: "haproxy") { try await haproxy.launch() })
        return configuration
    }

    /// Starts a stand-in executable under supervision on a free port (restarted on the same
    /// port, which the functions' environment names) and returns the port.
    private func startStandIn(_ name: String, supervisor: ProcessSupervisor, environment extra: [String: String] = [:]) async throws -> Int {
        let port = try Ports.freeServerPort()
        let executable = options.binaryDirectory + "/" + name
        let environment = ["PORT": String(port), "PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning"].merging(extra) { $1 }
        try await supervisor.start(.init(name: name) {
            try await ListeningProcess.launch(executable, port: port, environment: environment)
        })
        return port
    }

    static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let colon = url.firstIndex(of: ":") else { return url }
        return String(url[...colon]) + "//…@" + String(url[url.index(after: at)...])
    }
}
