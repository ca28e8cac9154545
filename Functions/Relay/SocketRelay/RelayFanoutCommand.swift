import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

extension RelayFanoutBenchmark {
    /// `socket-relay bench-fanout [--clients N] [--companies K] [--events M] [--rate R] [--seconds S]
    /// [--payload BYTES] [--relay PATH] [--relay-loops N] [--flush-us MICROSECONDS]` with `REDIS_URL` and `DATABASE_URL` in the environment:
    /// the benchmark as a command, spawning this same executable as the relay under test (both
    /// sides release-built). `local-runner/run bench fanout` calls `run(_:output:)` directly.
    public static func commandLine(_ arguments: [String]) async -> Never {
        var values: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            if arguments[index].hasPrefix("--"), index + 1 < arguments.count {
                values[String(arguments[index].dropFirst(2))] = arguments[index + 1]
                index += 2
            } else {
                index += 1
            }
        }
        let environment = Environment()
        func int(_ name: String, _ fallback: Int) -> Int { values[name].flatMap { Int($0) } ?? fallback }
        guard let redis = environment.optional("REDIS_URL"), let database = environment.optional("DATABASE_URL") else {
            StandardError.write("bench-fanout: REDIS_URL and DATABASE_URL must be set\n")
            exit(2)
        }
        let options = Options(
            clients: int("clients", 1_000), companies: int("companies", 2), events: int("events", 1_000), rate: int("rate", 200),
            seconds: int("seconds", 5), payloadBytes: int("payload", 256),
            relayExecutable: values["relay"] ?? CommandLine.arguments[0], redisURL: redis, databaseURL: database,
            workDirectory: values["work-dir"] ?? "/tmp", clientThreads: int("client-threads", 2),
            relayEventLoops: values["relay-loops"].flatMap { Int($0) },
            relayFlushIntervalMicroseconds: values["flush-us"].flatMap { Int($0) })
        do {
            let result = try await run(options) { StandardOutput.line($0) }
            exit(result.phases.allSatisfy { $0.lost == 0 } ? 0 : 1)
        } catch {
            StandardError.write("bench-fanout: \(error)\n")
            exit(1)
        }
    }
}
