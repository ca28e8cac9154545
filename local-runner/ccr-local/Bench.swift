import Files
import ArgumentParser
import FanoutBenchmark
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

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks (print numbers).", subcommands: [Webhook.self, API.self, Queue.self, Fanout.self, Notify.self])

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
        @OptionGroup var database: DatabaseTLSOption

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
                let stack = try ServiceStack(mode: .throwaway(durable: true), environment: Environment([:]), logger: logger,
                                             databaseTLS: database.databaseTLS)
                let runtime = try await stack.start()
                StandardOutput.line("bench fanout: \(DatabaseConnectionMode.describe(tls: database.databaseTLS))")
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
                        options.memberIDs = load.memberIDs
                        options.webhook = .init(rate: webhookRate, seconds: webhookSeconds) { rate, seconds, weight in
                            try await load.send(rate: rate, seconds: seconds, weight: weight)
                        }
                    }
                    if options.companyIDs == nil {
                        let seeded = try FanoutWebhookLoad.seedCompanies(companies, commands: OperatorCommands(adminURL: runtime.databaseAdminURL))
                        options.companyIDs = seeded.map(\.company)
                        options.memberIDs = seeded.map(\.member)
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
        @Option(help: "Requests per second for the fixed-rate runs.") var rate = 1_000
        @Option(help: "Seconds per fixed-rate run.") var seconds = 10
        @Option(help: "Creator list changes per second while GET /api/creators is measured (a viewer count, as status reconciliation writes it; each invalidates that company's cached list).")
        var listChangesPerSecond = 50
        @Option(help: "Events stored per second while GET /api/events is measured (over random creators, in batches every 10 ms, as ingest commits them; each moves that company's newest page).")
        var eventsPerSecond = 1_000
        @OptionGroup var database: DatabaseTLSOption

        func validate() throws {
            guard listChangesPerSecond >= 0 else { throw ValidationError("--list-changes-per-second must be 0 or more, got \(listChangesPerSecond)") }
            guard eventsPerSecond >= 0 else { throw ValidationError("--events-per-second must be 0 or more, got \(eventsPerSecond)") }
        }

        func run() async throws {
            let logger = makeLogger("bench")
            try await reportingErrors {
                var options = APIBenchmark.Options(
                    companies: companies, creatorsPerCompany: creatorsPerCompany, events: events, rate: rate, seconds: seconds,
                    binaryDirectory: absolute(common.binDir), routesFile: absolute(common.routes))
                options.listChangesPerSecond = listChangesPerSecond
                options.eventsPerSecond = eventsPerSecond
                options.databaseTLS = database.databaseTLS
                try await APIBenchmark(options: options, logger: logger).run()
            }
        }
    }

    struct Webhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Signed notifications of an agency-shaped traffic mix through the router into Postgres and Redis.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Seconds of closed-loop load (the open loop runs half as long, at least 3 s).") var seconds = 10
        @Option(help: "Concurrent requests (closed loop; also the open loop's senders).") var concurrency = 64
        @Option(help: "Events per second for the open-loop run.") var rate = 1_000
        @Flag(help: "Post straight to the function, not through the local router.") var direct = false
        @Option(help: "Companies (agencies).") var companies = 1_000
        @Option(help: "Creators per company (5 % of all creators are broadcasters shared by 2-3 agencies).") var creatorsPerCompany = 20
        @Option(help: "Share of events for one broadcaster tracked by 3 agencies (1.0: a storm on one channel).") var hotShare = 0.2
        @Option(help: "Event mix, type=weight,... (types: \(EventMix.knownTypes.joined(separator: ", "))).")
        var types = EventMix.live
        @Flag(help: "Run every shape of 2, 100, 1000 companies x hot share 0.2, 1.0 and print one table.") var table = false
        @OptionGroup var database: DatabaseTLSOption

        func run() async throws {
            let logger = makeLogger("bench")
            try await reportingErrors {
                let mix = try EventMix(parsing: types)
                try check(seconds >= 1, "--seconds must be at least 1, got \(seconds)")
                try check(concurrency >= 1, "--concurrency must be at least 1, got \(concurrency)")
                try check(rate >= 1, "--rate must be at least 1, got \(rate)")
                try check((1...100_000).contains(companies), "--companies must be 1...100000, got \(companies)")
                try check((1...10_000).contains(creatorsPerCompany), "--creators-per-company must be 1...10000, got \(creatorsPerCompany)")
                try check((0...1).contains(hotShare), "--hot-share must be between 0 and 1, got \(hotShare)")
                var options = WebhookBenchmark.Options(
                    seconds: seconds, concurrency: concurrency, rate: rate, binaryDirectory: absolute(common.binDir),
                    routesFile: absolute(common.routes), direct: direct, companies: companies, creatorsPerCompany: creatorsPerCompany,
                    hotShare: hotShare, mix: mix, table: table)
                options.databaseTLS = database.databaseTLS
                try await WebhookBenchmark(options: options, logger: logger).run()
            }
        }

        private func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw OperatorCommands.Failure(description: message) }
        }
    }
}
