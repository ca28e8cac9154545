import ArgumentParser
import LocalRunner

extension Bench {
    struct Notify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notify", abstract: "Go-live alerts: stream.online accepted -> message at the Discord stand-in; volume under Discord's limits.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Companies of the volume run.") var companies = 100
        @Option(help: "Discord destinations per company (each its own stand-in webhook).") var destinationsPerCompany = 10
        @Option(help: "Creators per company, each going live once: the messages each webhook is owed.") var creatorsPerCompany = 10
        @Option(help: "Go-lives timed one at a time before the volume run.") var latencyRuns = 50
        @Option(help: "notify worker processes.") var workers = 2
        @Flag(help: "Kill one worker with SIGKILL halfway through the volume run (and start another).") var killWorker = false
        @Option(help: "The stand-in's global limit per second (Discord's is 50); workers pace at 90 % of it.") var globalLimit = 50
        @Option(help: "Give up waiting for the volume run after this many seconds.") var timeout = 900

        func run() async throws {
            let logger = makeLogger("bench")
            try await reportingErrors {
                guard companies >= 1, destinationsPerCompany >= 1, creatorsPerCompany >= 1, creatorsPerCompany < 10_000, latencyRuns >= 0,
                      workers >= 1, globalLimit >= 1, timeout >= 1
                else {
                    throw OperatorCommands.Failure(description: "counts must be positive (creators per company below 10000, latency runs 0 or more)")
                }
                try await NotifyBenchmark(options: .init(
                    companies: companies, destinationsPerCompany: destinationsPerCompany, creatorsPerCompany: creatorsPerCompany,
                    latencyRuns: latencyRuns, workers: workers, killWorker: killWorker, globalLimit: globalLimit, timeoutSeconds: timeout,
                    binaryDirectory: absolute(common.binDir)), logger: logger).run()
            }
        }
    }
}
