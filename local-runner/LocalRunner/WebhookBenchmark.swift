import NIOHTTP1
import Files
import AsyncHTTPClient
import BlockingIO
import EventSub
import JSONValue
public import Logging
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
        /// Post straight to the function's port instead of through the local router (in
        /// production the platform's ingress takes the router's place).
        public var direct: Bool
        public init(seconds: Int, concurrency: Int, rate: Int, binaryDirectory: String, routesFile: String, direct: Bool = false) {
            self.seconds = seconds
            self.concurrency = concurrency
            self.rate = rate
            self.binaryDirectory = binaryDirectory
            self.routesFile = routesFile
            self.direct = direct
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

            let port = try Ports.freeServerPort()
            var environment = ["PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning"]
            for (key, value) in runtime.pairs { environment[key] = value }
            if options.direct {
                environment["PORT"] = String(port)
                environment["HOST"] = "127.0.0.1"
                router = try ChildProcess(executable: "\(options.binaryDirectory)/twitch-webhook", environment: environment)
            } else {
                router = try ChildProcess(executable: FileSystem.currentExecutable(), arguments: [
                    "serve-router", "--port", String(port), "--bin-dir", options.binaryDirectory, "--routes", options.routesFile,
                    "--idle-seconds", "600"], environment: environment)
            }
            StandardOutput.line(options.direct ? "load goes straight to the twitch-webhook function" : "load goes through the local router")
            while !Ports.isAccepting(port: port) { try await Task.sleep(nanoseconds: 2_000_000) }
            let url = "http://127.0.0.1:\(port)/webhooks/twitch"
            let client = LoadDriver.makeClient()
            let driver = LoadDriver(client: client)
            let secret = runtime.eventSubSecret
            let next: @Sendable () -> (HTTPClientRequest, Int) = {
                let target = creators.randomElement()!
                let delivery = Self.delivery(secret: secret, twitchUserID: target.twitchUserID)
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                for (name, value) in delivery.headers { request.headers.add(name: name, value: value) }
                request.body = .bytes(ByteBuffer(bytes: delivery.body))
                return (request, target.companies)
            }
            // Warm up: starts the function and fills connection pools.
            _ = try await driver.run(concurrency: options.concurrency, seconds: 1, rate: nil, next: next)
            let before = try countEvents(runtime)
            let closed = try await driver.run(concurrency: options.concurrency, seconds: options.seconds, rate: nil, next: next)
            let open = try await driver.run(concurrency: options.concurrency, seconds: max(3, options.seconds / 2), rate: options.rate, next: next)
            let stored = try countEvents(runtime) - before
            try await client.shutdown()
            StandardOutput.line("throughput, \(options.concurrency) concurrent requests, \(options.seconds)s: accepted events \(closed.summary())")
            StandardOutput.line("fixed rate \(options.rate) events/s, \(max(3, options.seconds / 2))s: achieved \(open.summary())")
            let expectedRows = closed.weight + open.weight
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

    private func measureColdStarts(_ runtime: RuntimeEnvironment) async throws -> [Double] {
        var results: [Double] = []
        let client = LoadDriver.makeClient()
        var environment = ["PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning"]
        for (key, value) in runtime.pairs { environment[key] = value }
        for _ in 0..<5 {
            let port = try Ports.freeServerPort()
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

}

extension String {
    /// Swaps the database name of a postgresql:// URL.
    func replacingDatabase(with database: String) -> String {
        guard let slash = self.lastIndex(of: "/") else { return self }
        return String(self[...slash]) + database
    }
}

