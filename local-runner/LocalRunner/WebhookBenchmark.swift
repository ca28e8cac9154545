import AsyncHTTPClient
import BlockingIO
import EventSub
import JSONValue
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Postgres
import Processes
import Settings
import StructuredLogging

/// `local-runner/run bench webhook`: signed notifications through the router into Postgres
/// (synchronous commit, fsync on) and Redis; prints accepted events/s and latency percentiles at a
/// fixed concurrency, latency at a fixed rate, and the webhook function's cold start.
public struct WebhookBenchmark: Sendable {
    public struct Options: Sendable {
        public var seconds: Int
        public var concurrency: Int
        public var rate: Int
        public var binaryDirectory: String
        public var routesFile: String
        public init(seconds: Int, concurrency: Int, rate: Int, binaryDirectory: String, routesFile: String) {
            self.seconds = seconds
            self.concurrency = concurrency
            self.rate = rate
            self.binaryDirectory = binaryDirectory
            self.routesFile = routesFile
        }
    }

    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run() async throws {
        let stack = try ServiceStack(mode: .throwaway(durable: true), environment: Environment([:]), logger: logger)
        let runtime = try await stack.start()
        var router: ChildProcess?
        do {
            let creators = try seed(runtime)
            StandardOutput.line("bench webhook: 2 companies, \(creators.count) tracked Twitch users (half shared), synchronous_commit=on, fsync=on")
            let cold = try await measureColdStarts(runtime)
            StandardOutput.line("cold start (process start -> first 2xx), \(cold.count) runs: median \(fixed(percentile(cold, 0.5))) ms, min \(fixed(cold.min() ?? 0)) ms, max \(fixed(cold.max() ?? 0)) ms")

            let port = try Ports.freeLoopbackPort()
            var environment = ["PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning"]
            for (key, value) in runtime.pairs { environment[key] = value }
            router = try ChildProcess(executable: FileSystem.currentExecutable(), arguments: [
                "serve-router", "--port", String(port), "--bin-dir", options.binaryDirectory, "--routes", options.routesFile,
                "--idle-seconds", "600"], environment: environment)
            while !Ports.isAccepting(port: port) { try await Task.sleep(nanoseconds: 2_000_000) }
            let url = "http://127.0.0.1:\(port)/webhooks/twitch"
            let client = makeClient()
            // Warm up: starts the function and fills connection pools.
            _ = try await drive(client: client, url: url, secret: runtime.eventSubSecret, creators: creators,
                                concurrency: options.concurrency, seconds: 1, rate: nil)
            let before = try countEvents(runtime)
            let closed = try await drive(client: client, url: url, secret: runtime.eventSubSecret, creators: creators,
                                         concurrency: options.concurrency, seconds: options.seconds, rate: nil)
            let open = try await drive(client: client, url: url, secret: runtime.eventSubSecret, creators: creators,
                                       concurrency: options.concurrency, seconds: max(3, options.seconds / 2), rate: options.rate)
            let stored = try countEvents(runtime) - before
            try await client.shutdown()
            StandardOutput.line("throughput, \(options.concurrency) concurrent requests, \(options.seconds)s: \(fixed(Double(closed.accepted) / closed.elapsed, 0)) accepted events/s; latency p50 \(fixed(percentile(closed.latencies, 0.5), 2)) ms, p99 \(fixed(percentile(closed.latencies, 0.99), 2)) ms, max \(fixed(closed.latencies.max() ?? 0, 2)) ms; errors \(closed.errors)")
            StandardOutput.line("fixed rate \(options.rate) events/s, \(max(3, options.seconds / 2))s: achieved \(fixed(Double(open.accepted) / open.elapsed, 0))/s; latency p50 \(fixed(percentile(open.latencies, 0.5), 2)) ms, p99 \(fixed(percentile(open.latencies, 0.99), 2)) ms, max \(fixed(open.latencies.max() ?? 0, 2)) ms; errors \(open.errors)")
            let expectedRows = closed.rows + open.rows
            StandardOutput.line("rows stored: \(stored), expected \(expectedRows) (one per tracking company): \(stored == expectedRows ? "no loss, no duplicates" : "MISMATCH")")
        } catch {
            if let router { await router.terminate() }
            await stack.stop()
            throw error
        }
        if let router { await router.terminate() }
        await stack.stop()
    }

    struct Tracked: Sendable { let twitchUserID: String; let companies: Int }

    private func seed(_ runtime: RuntimeEnvironment) throws -> [Tracked] {
        let commands = OperatorCommands(adminURL: runtime.databaseAdminURL)
        let a = try commands.createCompany(name: "Bench Agency A")
        let b = try commands.createCompany(name: "Bench Agency B")
        var tracked: [Tracked] = []
        for index in 0..<200 {
            let id = String(900_000 + index)
            _ = try commands.addCreator(companyID: a, twitchUserID: id, login: "bench_\(index)", displayName: nil)
            if index % 2 == 0 { _ = try commands.addCreator(companyID: b, twitchUserID: id, login: "bench_\(index)", displayName: nil) }
            tracked.append(Tracked(twitchUserID: id, companies: index % 2 == 0 ? 2 : 1))
        }
        return tracked
    }

    private func countEvents(_ runtime: RuntimeEnvironment) throws -> Int {
        // The superuser of the throwaway cluster is not subject to RLS: it counts every tenant's rows.
        let connection = try PostgresConnection(url: runtime.superuserURL!.replacingDatabase(with: ServiceStack.databaseName))
        return Int(try connection.query("SELECT count(*) AS n FROM events").first!.requireInt64("n"))
    }

    private func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 1024)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    private func measureColdStarts(_ runtime: RuntimeEnvironment) async throws -> [Double] {
        var results: [Double] = []
        let client = makeClient()
        var environment = ["PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning"]
        for (key, value) in runtime.pairs { environment[key] = value }
        for _ in 0..<5 {
            let port = try Ports.freeLoopbackPort()
            environment["PORT"] = String(port)
            environment["HOST"] = "127.0.0.1"
            let began = monotonicNanoseconds()
            let process = try ChildProcess(executable: "\(options.binaryDirectory)/twitch-webhook", environment: environment)
            // Poll with a bare TCP connect (an HTTP client's own reconnect backoff would inflate the number).
            while !Ports.isAccepting(port: port) {
                if process.exitStatusIfExited() != nil { throw OperatorCommands.Failure(description: "twitch-webhook exited during start") }
                try await Task.sleep(nanoseconds: 100_000)
            }
            while true {
                let delivery = Self.delivery(secret: runtime.eventSubSecret, twitchUserID: "900000")
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/twitch")
                request.method = .POST
                for (name, value) in delivery.headers { request.headers.add(name: name, value: value) }
                request.body = .bytes(ByteBuffer(bytes: delivery.body))
                if let response = try? await client.execute(request, timeout: .seconds(5)), (200..<300).contains(Int(response.status.code)) {
                    break
                }
                if process.exitStatusIfExited() != nil { throw OperatorCommands.Failure(description: "twitch-webhook exited during start") }
                try await Task.sleep(nanoseconds: 200_000)
            }
            results.append(Double(monotonicNanoseconds() - began) / 1e6)
            await process.terminate()
        }
        try await client.shutdown()
        return results
    }

    static func delivery(secret: String, twitchUserID: String) -> SignedDelivery {
        SignedDelivery.notification(
            type: "channel.follow", version: "2",
            event: ["user_id": "1234", "user_login": "bench_viewer", "user_name": "Bench_Viewer",
                    "broadcaster_user_id": .string(twitchUserID), "broadcaster_user_login": "bench", "broadcaster_user_name": "Bench",
                    "followed_at": .string(RFC3339.format(unixSeconds: wallClockSeconds()))],
            condition: ["broadcaster_user_id": .string(twitchUserID), "moderator_user_id": .string(twitchUserID)],
            secret: secret, messageID: SignedDelivery.newMessageID(), timestamp: RFC3339.format(unixSeconds: wallClockSeconds()))
    }

    struct RunResult: Sendable { var accepted = 0; var errors = 0; var rows = 0; var latencies: [Double] = []; var elapsed = 0.0 }

    /// `concurrency` workers send back to back (closed loop), or, with `rate`, on a fixed schedule (open loop).
    private func drive(client: HTTPClient, url: String, secret: String, creators: [Tracked],
                       concurrency: Int, seconds: Int, rate: Int?) async throws -> RunResult {
        let began = monotonicNanoseconds()
        let deadline = began + UInt64(seconds) * 1_000_000_000
        let interval = rate.map { UInt64(1_000_000_000 / max(1, $0)) }
        let ticket = NIOLockedValueBox<UInt64>(0)
        let results = try await withThrowingTaskGroup(of: RunResult.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var result = RunResult()
                    while true {
                        if let interval {
                            let slot = ticket.withLockedValue { value -> UInt64 in value += 1; return value - 1 }
                            let due = began + slot * interval
                            if due >= deadline { break }
                            let now = monotonicNanoseconds()
                            if due > now { try await Task.sleep(nanoseconds: due - now) }
                        } else if monotonicNanoseconds() >= deadline {
                            break
                        }
                        let target = creators.randomElement()!
                        let delivery = Self.delivery(secret: secret, twitchUserID: target.twitchUserID)
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        for (name, value) in delivery.headers { request.headers.add(name: name, value: value) }
                        request.body = .bytes(ByteBuffer(bytes: delivery.body))
                        let start = monotonicNanoseconds()
                        do {
                            let response = try await client.execute(request, timeout: .seconds(30))
                            _ = try await response.body.collect(upTo: 1 << 16)
                            if (200..<300).contains(Int(response.status.code)) {
                                result.accepted += 1
                                result.rows += target.companies
                                result.latencies.append(Double(monotonicNanoseconds() - start) / 1e6)
                            } else {
                                result.errors += 1
                            }
                        } catch {
                            result.errors += 1
                        }
                    }
                    return result
                }
            }
            var total = RunResult()
            for try await part in group {
                total.accepted += part.accepted
                total.errors += part.errors
                total.rows += part.rows
                total.latencies += part.latencies
            }
            return total
        }
        var final = results
        final.elapsed = Double(monotonicNanoseconds() - began) / 1e9
        return final
    }
}

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
}

extension String {
    /// Swaps the database name of a postgresql:// URL.
    func replacingDatabase(with database: String) -> String {
        guard let slash = self.lastIndex(of: "/") else { return self }
        return String(self[...slash]) + database
    }
}

/// A number with a fixed count of decimals, without Foundation's String(format:).
func fixed(_ value: Double, _ decimals: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if decimals == 0, text.hasSuffix(".0") { text.removeLast(2) }
    if decimals > 0, let dot = text.firstIndex(of: ".") {
        let have = text.distance(from: dot, to: text.endIndex) - 1
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
    }
    return text
}
