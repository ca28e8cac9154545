import ArgumentParser
import SocketRelay
import JobQueue
import Redis
import Auth
import BlockingIO
import Logging
import LocalRunner
import Router
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

/// `local-runner/run [COMMAND]`: runs the whole system on one machine, and the operator commands.
@main
struct RunnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-runner/run",
        abstract: "Run Creator Control Room locally: embedded Postgres and Redis, migrations, the router and its functions.",
        subcommands: [Up.self, Env.self, Company.self, Creator.self, Token.self, Jobs.self, Bench.self, Infra.self, WithServices.self, ServeRouter.self, ServeWorker.self],
        defaultSubcommand: Up.self)
}

struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Project-local data folder (gitignored).")
    var dataDir = "local-runner/.data"

    @Option(name: .long, help: "Folder with the built function executables.")
    var binDir = ".build/release"

    @Option(name: .long, help: "The route table.")
    var routes = "infra/routes.json"

    @Option(name: .long, help: "The scheduled jobs table.")
    var jobs = "infra/jobs.json"

    var files: InstanceFiles { InstanceFiles(dataDirectory: absolute(dataDir)) }
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileSystem.currentDirectory() + "/" + path
}

func makeLogger(_ label: String) -> Logger {
    JSONLogHandler.bootstrap(level: Environment().optional("LOG_LEVEL"))
    return Logger(label: label)
}

/// Runs `body`, turning any error into one readable line and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CleanExit {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        StandardError.write("local-runner: error: \(error)\n")
        throw ExitCode(1)
    }
}

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start everything (the default command).")
    @OptionGroup var common: CommonOptions
    @Option(help: "Router port on 127.0.0.1.") var port = 8080
    @Option(help: "Socket relay port on 127.0.0.1.") var relayPort = 8081
    @Option(help: "Stop a function's process after this many idle seconds (scale to zero).") var idleSeconds = 60
    @Flag(help: "Seed two demo agencies and replay a signed EventSub script.") var demo = false
    @Option(help: "The dashboard's static files.") var dashboard = "Functions/Dashboard/public"

    func run() async throws {
        let logger = makeLogger("local-runner")
        try await reportingErrors {
            try await LocalInstance(options: .init(
                port: port, relayPort: relayPort, idleSeconds: idleSeconds, binaryDirectory: absolute(common.binDir), routesFile: absolute(common.routes),
                jobsFile: absolute(common.jobs), dashboardDirectory: absolute(dashboard), files: common.files, demo: demo), logger: logger).run()
        }
    }
}

struct Env: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the running instance's environment as KEY=VALUE lines.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await reportingErrors {
            let values = try common.files.readRuntimeEnvironment()
            for key in ["DATABASE_URL", "DATABASE_ADMIN_URL", "REDIS_URL", "ROUTER_URL", "RELAY_URL", "TWITCH_STAND_IN_URL", "TWITCH_EVENTSUB_SECRET"] {
                if let value = values[key] { print("\(key)=\(value)") }
            }
        }
    }
}

struct Company: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage companies (agencies).", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a company; prints its id.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The company's name.") var name: String

        func run() async throws {
            try await reportingErrors {
                let adminURL = try common.files.readRuntimeEnvironment()["DATABASE_ADMIN_URL"]!
                print(try OperatorCommands(adminURL: adminURL).createCompany(name: name))
            }
        }
    }
}

struct Creator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage tracked creators.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Track a Twitch creator for a company; prints the creator id.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The company id.") var company: String
        @Option(help: "Twitch's numeric user id.") var twitchUserId: String
        @Option(help: "The Twitch login.") var login: String
        @Option(help: "Display name (defaults to the login).") var displayName: String?

        func run() async throws {
            try await reportingErrors {
                let adminURL = try common.files.readRuntimeEnvironment()["DATABASE_ADMIN_URL"]!
                print(try OperatorCommands(adminURL: adminURL).addCreator(
                    companyID: company, twitchUserID: twitchUserId, login: login, displayName: displayName))
            }
        }
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print an access token signed by the local development key.")
    @OptionGroup var common: CommonOptions
    @Option(help: "The company id.") var company: String
    @Option(help: "owner, admin, operator or viewer.") var role: String
    @Option(help: "The user's email (also the token subject).") var user = "dev@localhost"
    @Option(help: "Lifetime in seconds.") var ttl = 3600

    func run() async throws {
        try await reportingErrors {
            guard let parsedRole = Role(rawValue: role) else {
                throw OperatorCommands.Failure(description: "--role must be owner, admin, operator or viewer (got \(role))")
            }
            guard ttl > 0, ttl <= 30 * 86_400 else { throw OperatorCommands.Failure(description: "--ttl must be 1 to 2592000 seconds") }
            guard company.count == 36 else { throw OperatorCommands.Failure(description: "--company must be a company id (UUID)") }
            let keys = try DevelopmentKeys.loadOrCreate(in: common.files.dataDirectory)
            print(try keys.signer.token(subject: "user:" + user.lowercased(), companyID: company.lowercased(), role: parsedRole,
                                        email: user.lowercased(), now: wallClockSeconds(), ttlSeconds: Double(ttl)))
        }
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks (print numbers).", subcommands: [Webhook.self, API.self, Queue.self, Fanout.self])

    struct Fanout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Socket relay: connections held, deliveries/s, latency, RSS per connection.")
        @OptionGroup var common: CommonOptions
        @Option(help: "WebSocket clients.") var clients = 1_000
        @Option(help: "Companies the clients are spread over.") var companies = 2
        @Option(help: "Events in the burst phase.") var events = 1_000
        @Option(help: "Events per second in the fixed-rate phase.") var rate = 1_000
        @Option(help: "Seconds of the fixed-rate phase.") var seconds = 5
        @Option(help: "Relay event loops (default: half the cores; the clients run on this machine too).") var relayLoops: Int?
        @Option(help: "Relay write-coalescing interval in microseconds (RELAY_FLUSH_INTERVAL_US; default: the relay's).") var flushUs: Int?
        @Option(help: "Events per second POSTed through the real webhook function in the end-to-end phase (0 skips it).") var webhookRate = 200
        @Option(help: "Seconds of the end-to-end webhook phase.") var webhookSeconds = 5

        func validate() throws {
            guard clients >= 1, companies >= 1, companies <= clients else { throw ValidationError("need 1 <= companies <= clients") }
            guard events >= 0, rate >= 0, seconds >= 0, webhookRate >= 0, webhookSeconds >= 0 else {
                throw ValidationError("events, rates and seconds cannot be negative")
            }
            if let relayLoops, relayLoops < 1 { throw ValidationError("--relay-loops must be at least 1") }
            if let flushUs, !(0...100_000).contains(flushUs) { throw ValidationError("--flush-us must be 0...100000") }
        }

        func run() async throws {
            let logger = makeLogger("bench")
            try await reportingErrors {
                let stack = try ServiceStack(mode: .throwaway(durable: true), environment: Environment([:]), logger: logger)
                let runtime = try await stack.start()
                var webhook: FanoutWebhookLoad?
                do {
                    let work = try FileSystem.temporaryDirectory(prefix: "ccr-bench-fanout")
                    var options = RelayFanoutBenchmark.Options(
                        clients: clients, companies: companies, events: events, rate: rate, seconds: seconds,
                        relayExecutable: absolute(common.binDir) + "/socket-relay", redisURL: runtime.redisURL,
                        databaseURL: runtime.databaseURL, workDirectory: work, relayEventLoops: relayLoops,
                        relayFlushIntervalMicroseconds: flushUs)
                    if webhookRate > 0 && webhookSeconds > 0 {
                        let load = try await FanoutWebhookLoad(companies: companies, runtime: runtime, binaryDirectory: absolute(common.binDir))
                        webhook = load
                        options.companyIDs = load.companyIDs
                        options.webhook = .init(rate: webhookRate, seconds: webhookSeconds) { company, sentAt in
                            await load.send(company: company, sentAt: sentAt)
                        }
                    }
                    _ = try await RelayFanoutBenchmark.run(options) { StandardOutput.line($0) }
                } catch {
                    await webhook?.stop()
                    await stack.stop()
                    throw error
                }
                await webhook?.stop()
                await stack.stop()
            }
        }
    }

    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "No-op jobs through one worker; worker cold start.")
        @Option(help: "Jobs to run.") var jobs = 200_000
        @Option(help: "Worker batch size.") var batch = 512

        func run() async throws {
            let logger = makeLogger("bench")
            try await reportingErrors { try await QueueBenchmark(jobs: jobs, batch: batch, logger: logger).run() }
        }
    }

    struct API: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "api", abstract: "REST reads on a seeded database, and RLS overhead.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Companies to seed.") var companies = 1000
        @Option(help: "Creators per company.") var creatorsPerCompany = 20
        @Option(help: "Events to seed (spread over the creators).") var events = 5_000_000
        @Option(help: "Requests per second for the fixed-rate runs.") var rate = 500
        @Option(help: "Seconds per fixed-rate run.") var seconds = 10

        func run() async throws {
            let logger = makeLogger("bench")
            try await reportingErrors {
                try await APIBenchmark(options: .init(
                    companies: companies, creatorsPerCompany: creatorsPerCompany, events: events, rate: rate, seconds: seconds,
                    binaryDirectory: absolute(common.binDir), routesFile: absolute(common.routes)), logger: logger).run()
            }
        }
    }

    struct Webhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Signed notifications through the router into Postgres and Redis.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Seconds of closed-loop load.") var seconds = 10
        @Option(help: "Concurrent requests.") var concurrency = 64
        @Option(help: "Events per second for the fixed-rate run.") var rate = 500
        @Flag(help: "Post straight to the function, not through the local router.") var direct = false

        func run() async throws {
            let logger = makeLogger("bench")
            try await reportingErrors {
                try await WebhookBenchmark(options: .init(
                    seconds: seconds, concurrency: concurrency, rate: rate, binaryDirectory: absolute(common.binDir),
                    routesFile: absolute(common.routes), direct: direct), logger: logger).run()
            }
        }
    }
}

struct Infra: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Production manifests.", subcommands: [Render.self])

    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate infra/knative/*.yaml from the route table.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Output folder.") var output = "infra"

        func run() async throws {
            try await reportingErrors {
                guard let text = FileSystem.readText(absolute(common.routes)) else {
                    throw OperatorCommands.Failure(description: "cannot read \(common.routes)")
                }
                let files = InfraManifests.render(try RouteTable(json: text)) + InfraManifests.render(try JobTable.load(absolute(common.jobs)))
                    + InfraManifests.renderRelay()
                for (name, content) in files {
                    let path = absolute(output) + "/" + name
                    if let slash = path.lastIndex(of: "/") { try FileSystem.makeDirectories(String(path[..<slash])) }
                    try FileSystem.writeText(content, to: path)
                    print("wrote \(output)/\(name)")
                }
            }
        }
    }
}

/// Used by local-runner/test: throwaway Postgres and Redis on free loopback ports, a command run
/// with their URLs in its environment, then everything stopped and deleted.
struct WithServices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "with-services", abstract: "Run a command next to throwaway Postgres and Redis.", shouldDisplay: false)
    @Argument(parsing: .captureForPassthrough) var command: [String] = []

    func run() async throws {
        let logger = makeLogger("local-runner")
        var arguments = command
        if arguments.first == "--" { arguments.removeFirst() }
        guard let executable = arguments.first else {
            StandardError.write("local-runner: error: with-services needs a command after --\n")
            throw ExitCode(2)
        }
        var status: Int32 = 1
        try await reportingErrors {
            let stack = try ServiceStack(mode: .throwaway(durable: false), environment: Environment([:]), logger: logger)
            do {
                let runtime = try await stack.start()
                var environment = Environment().all
                environment["CCR_TEST_DATABASE_URL"] = runtime.databaseURL
                environment["CCR_TEST_DATABASE_ADMIN_URL"] = runtime.databaseAdminURL
                environment["CCR_TEST_PG_SUPERUSER_URL"] = runtime.superuserURL
                environment["CCR_TEST_REDIS_URL"] = runtime.redisURL
                status = try await runForeground(executable, Array(arguments.dropFirst()), environment: environment)
            } catch {
                await stack.stop()
                throw error
            }
            await stack.stop()
        }
        throw ExitCode(status)
    }
}

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

/// `local-runner/run jobs …`: the queues of the running instance.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Job queues: stats, dead letters, retries.",
                                                    subcommands: [Stats.self, Dead.self, Show.self, Retry.self, Enqueue.self])

    static func redis(_ common: CommonOptions) throws -> RedisConnection {
        let values = try common.files.readRuntimeEnvironment()
        return try RedisConnection(url: try RedisURL(parsing: values["REDIS_URL"] ?? ""))
    }

    static func queues(_ common: CommonOptions, _ only: String?) throws -> [JobQueue] {
        let names = try JobTable.load(absolute(common.jobs)).jobs.map(\.queue)
        if let only {
            guard names.contains(only) else { throw OperatorCommands.Failure(description: "unknown queue \(only); queues: \(names.joined(separator: ", "))") }
            return [JobQueue(name: only)]
        }
        return names.map { JobQueue(name: $0) }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Depth, in flight, done, retried, dead per queue.")
        @OptionGroup var common: CommonOptions
        func run() async throws {
            try await reportingErrors {
                let connection = try Jobs.redis(common)
                for queue in try Jobs.queues(common, nil) {
                    let s = try queue.stats(on: connection)
                    print("\(s.queue): waiting \(s.waiting), in flight \(s.inFlight), delayed \(s.delayed), done \(s.done), retried \(s.retried), dead \(s.dead) (\(s.deadLetters) dead letters)")
                }
            }
        }
    }

    struct Dead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Only this queue.") var queue: String?
        func run() async throws {
            try await reportingErrors {
                let connection = try Jobs.redis(common)
                for q in try Jobs.queues(common, queue) {
                    for letter in try q.deadLetters(on: connection) {
                        print("\(q.name)  \(letter.id)  job \(letter.job.id)  attempts \(letter.attempts)  error: \(letter.error)")
                    }
                }
            }
        }
    }

    /// The queue holding a dead letter: the one named, or whichever has that id.
    static func locate(_ id: String, queue: String?, _ common: CommonOptions, _ connection: RedisConnection) throws -> (JobQueue, DeadLetter) {
        for candidate in try queues(common, queue) {
            if let letter = try candidate.deadLetter(id: id, on: connection) { return (candidate, letter) }
        }
        throw OperatorCommands.Failure(description: "no dead letter \(id)\(queue.map { " in \($0)" } ?? "") (list them with: local-runner/run jobs dead)")
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The queue (default: search every queue).") var queue: String?
        @Argument(help: "The dead letter id (from jobs dead).") var id: String
        func run() async throws {
            try await reportingErrors {
                let (found, letter) = try Jobs.locate(id, queue: queue, common, try Jobs.redis(common))
                print("id: \(letter.id)\nqueue: \(found.name)\nattempts: \(letter.attempts)\nerror: \(letter.error)\njob: \(letter.job.json)")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Requeue a dead letter as a fresh job.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The queue (default: search every queue).") var queue: String?
        @Argument(help: "The dead letter id (from jobs dead).") var id: String
        func run() async throws {
            try await reportingErrors {
                let connection = try Jobs.redis(common)
                let (found, _) = try Jobs.locate(id, queue: queue, common, connection)
                guard try found.requeueDeadLetter(id: id, on: connection) else {
                    throw OperatorCommands.Failure(description: "no dead letter \(id) in \(found.name)")
                }
                print("requeued \(id) on \(found.name)")
            }
        }
    }

    struct Enqueue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enqueue a scheduled job now.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The queue.") var queue: String
        func run() async throws {
            try await reportingErrors {
                let id = try Jobs.queues(common, queue)[0].enqueue(["manual": true], on: try Jobs.redis(common))
                print(id ?? "already enqueued")
            }
        }
    }
}

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
        JobWorker.installSignalHandlers()
        try await reportingErrors {
            guard let handlerMode = TestWorkerMode(rawValue: mode) else { throw OperatorCommands.Failure(description: "--mode: noop or record") }
            let url = try RedisURL(parsing: try Environment().required("REDIS_URL"))
            let redis = RedisClient(url: url)
            let options = QueueOptions(visibilityTimeoutMilliseconds: visibilityTimeoutMs, maxAttempts: maxAttempts, backoffBaseMilliseconds: backoffBaseMs)
            let worker = JobWorker(queue: JobQueue(name: queue, options: options), redisURL: url, consumer: "test-\(getpid())",
                                   batchSize: batch, idleExitSeconds: idleExitSeconds, logger: logger, handler: handlerMode.handler(redis: redis))
            _ = try await worker.run()
        }
    }
}
