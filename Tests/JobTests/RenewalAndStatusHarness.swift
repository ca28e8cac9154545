import BlockingIO
import Hummingbird
import JSONValue
import Logging
import NIOCore
import Postgres
import Synchronization
import TestSupport
import Testing
import TwitchAPI
import TwitchStandIn

/// Shared fixtures of the renewal and status reconciliation tests: an in-process Twitch stand-in
/// on a kernel-chosen port, an EventSub callback that answers challenges, and database helpers.
/// (Namespaced: the JobTests target is shared with other suites.)
enum TwitchJobFixture {
    static let secret = "job-tests-eventsub-secret"

    struct StandIn {
        let server: TwitchStandInServer
        let port: Int

        var state: StandInState { server.state }
        var baseURL: String { "http://127.0.0.1:\(port)" }

        func configuration() -> HelixConfiguration {
            HelixConfiguration(clientID: server.configuration.clientID, clientSecret: server.configuration.clientSecret,
                               apiBaseURL: baseURL + "/helix", authBaseURL: baseURL + "/oauth2")
        }

        func makeClient(refreshMarginSeconds: Double = 60) -> HelixClient {
            let configuration = configuration()
            return HelixClient(configuration: configuration,
                               tokens: AppTokenProvider(configuration: configuration, refreshMarginSeconds: refreshMarginSeconds),
                               logger: quietLogger("helix"))
        }

        /// Ours, by type, in the stand-in.
        func subscriptions(callback: String) -> [StandInSubscription] {
            state.subscriptions.filter { $0.callback == callback }
        }
    }

    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        return logger
    }

    /// Runs `body` against a fresh stand-in and stops it afterwards.
    static func withStandIn(_ configuration: StandInConfiguration = StandInConfiguration(),
                            _ body: (StandIn) async throws -> Void) async throws {
        let server = TwitchStandInServer(configuration: configuration, logger: quietLogger("stand-in"))
        try await server.withRunning { port in try await body(StandIn(server: server, port: port)) }
    }

    /// An EventSub callback that echoes challenges (so subscriptions become `enabled`) and answers
    /// everything else 204. `body` gets its URL (unique per test: its own port).
    static func withCallback(_ body: (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/webhooks/twitch") { request, _ -> Response in
            var buffer = try await request.body.collect(upTo: 1 << 20)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            let type = request.headers.first { $0.name.canonicalName == "twitch-eventsub-message-type" }?.value
            guard type == "webhook_callback_verification",
                  let challenge = (try? JSONParser.parse(bytes))?["challenge"]?.stringValue
            else { return Response(status: .noContent) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: challenge)))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: quietLogger("callback"))
        let task = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        do {
            try await body("http://127.0.0.1:\(port)/webhooks/twitch")
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
        task.cancel()
        _ = await task.result
    }

    /// Polls until `condition` holds or `seconds` pass; returns whether it held.
    static func eventually(seconds: Double = 5, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1_000_000_000)
        while monotonicNanoseconds() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return try await condition()
    }

    /// Marks a creator as having linked their Twitch account for every authorization-only type (as
    /// the owner, in the tenant's scope).
    static func authorize(company: String, twitchUserID: String) throws {
        let connection = try PostgresConnection(url: try TestServices.adminURL())
        _ = try connection.withTenantScope(companyId: company) {
            let creator = try connection.query("SELECT id FROM creators WHERE twitch_user_id = $1", [twitchUserID]).first!.require("id")
            try TestServices.insertLink(on: connection, company: company, creator: creator, twitchUserID: twitchUserID,
                                        types: TestServices.authorizationTypes.filter { $0 != "channel.chat.message" && $0 != "channel.subscription.message" })
        }
    }

    /// Removes a creator from a company (the company stops tracking the user).
    static func removeCreator(company: String, twitchUserID: String) throws {
        let connection = try PostgresConnection(url: try TestServices.adminURL())
        _ = try connection.withTenantScope(companyId: company) {
            try connection.query("DELETE FROM creators WHERE twitch_user_id = $1", [twitchUserID])
        }
    }
}

/// Records what the renewer's `sleep` hook was asked to wait for, and waits only briefly.
final class RecordingSleeper: Sendable {
    private let waits = Mutex<[(wait: Double, askedAt: Double, resetAt: Int64?)]>([])
    let realSeconds: Double

    init(realSeconds: Double = 0.01) { self.realSeconds = realSeconds }

    var recorded: [(wait: Double, askedAt: Double, resetAt: Int64?)] { waits.withLock { $0 } }

    func sleep(resetAt: Int64?, seconds: Double) async throws {
        waits.withLock { $0.append((seconds, wallClockSeconds(), resetAt)) }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, realSeconds) * 1_000_000_000))
    }
}
