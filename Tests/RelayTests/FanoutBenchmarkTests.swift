import FanoutBenchmark
import Settings
import SocketRelay
import TestSupport
import Testing

extension RelaySuites {
    /// The fan-out benchmark's machinery on a small scale (its numbers come from
    /// `local-runner/run bench fanout` on a release build): every delivery arrives, in order.
    @Suite struct FanoutBenchmarkTests {
        static func options(clients: Int, companies: Int, events: Int, rate: Int, seconds: Int) throws -> RelayFanoutBenchmark.Options {
            let environment = Environment()
            var options = RelayFanoutBenchmark.Options(
                clients: clients, companies: companies, events: events, rate: rate, seconds: seconds,
                relayExecutable: environment.optional("RELAY_BENCH_EXECUTABLE") ?? SharedResearch.repositoryRoot() + "/.build/debug/socket-relay",
                redisURL: try RelayUnderTest.testRedisURL(), databaseURL: try TestServices.databaseURL(), workDirectory: TestKeys.directory)
            let seeded = try (0..<companies).map { index in
                let company = try TestServices.makeCompany("Fanout test \(index)")
                return (company, try TestServices.addMember(company: company, email: "fanout-\(index)@example.com", role: "viewer"))
            }
            options.companyIDs = seeded.map(\.0)
            options.memberIDs = seeded.map(\.1)
            return options
        }

        @Test func smallFanoutLosesNothing() async throws {
            let result = try await RelayFanoutBenchmark.run(try Self.options(clients: 30, companies: 3, events: 200, rate: 100, seconds: 1)) { _ in }
            #expect(result.phases.count == 2)
            for phase in result.phases {
                #expect(phase.expectedDeliveries == phase.events * 10)
                #expect(phase.lost == 0, "\(phase)")
                #expect(phase.outOfOrder == 0)
            }
            #expect(result.slowConsumersDropped == 0)
        }

        /// `RELAY_BENCH_CLIENTS=10000 … swift test --filter FanoutBenchmarkTests` for a manual run.
        @Test(.enabled(if: Environment().optional("RELAY_BENCH_CLIENTS") != nil))
        func manualRun() async throws {
            let environment = Environment()
            let options = try Self.options(
                clients: try environment.int("RELAY_BENCH_CLIENTS", default: 1_000), companies: try environment.int("RELAY_BENCH_COMPANIES", default: 2),
                events: try environment.int("RELAY_BENCH_EVENTS", default: 1_000), rate: try environment.int("RELAY_BENCH_RATE", default: 200),
                seconds: try environment.int("RELAY_BENCH_SECONDS", default: 5))
            let result = try await RelayFanoutBenchmark.run(options) { print($0) }
            #expect(result.phases.allSatisfy { $0.lost == 0 })
        }
    }
}
