import NIOHTTP1
import AsyncHTTPClient
import BlockingIO
import Hummingbird
import JSONValue
import Logging
import NIOCore
import Synchronization
import Testing
import TwitchAPI
import TwitchStandIn

/// A stand-in started on a kernel-chosen loopback port for one test.
struct StandInFixture {
    let server: TwitchStandInServer
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var state: StandInState { server.state }

    func helixConfiguration(clientID: String? = nil, clientSecret: String? = nil) -> HelixConfiguration {
        HelixConfiguration(
            clientID: clientID ?? server.configuration.clientID, clientSecret: clientSecret ?? server.configuration.clientSecret,
            apiBaseURL: baseURL + "/helix", authBaseURL: baseURL + "/oauth2")
    }

    func makeClient(refreshMarginSeconds: Double = 60, clientSecret: String? = nil) -> HelixClient {
        let configuration = helixConfiguration(clientSecret: clientSecret)
        return HelixClient(configuration: configuration,
                           tokens: AppTokenProvider(configuration: configuration, refreshMarginSeconds: refreshMarginSeconds))
    }

    /// A raw request, for what the typed client never sends (no token, bad parameters).
    func raw(_ method: String, _ pathAndQuery: String, headers: [(String, String)] = [], body: String? = nil) async throws -> RawResponse {
        var request = HTTPClientRequest(url: baseURL + pathAndQuery)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await nonRedirectingClient.execute(request, timeout: .seconds(10))
        var buffer = try await response.body.collect(upTo: 1 << 22)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return RawResponse(status: Int(response.status.code), headers: fields, body: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    /// An access token straight from the stand-in's token endpoint.
    func accessToken() async throws -> String {
        let response = try await raw("POST", "/oauth2/token", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                     body: "client_id=\(server.configuration.clientID)&client_secret=\(server.configuration.clientSecret)&grant_type=client_credentials")
        return try #require(response.json["access_token"]?.stringValue)
    }

    func authorizedHeaders() async throws -> [(String, String)] {
        [("Authorization", "Bearer " + (try await accessToken())), ("Client-Id", server.configuration.clientID)]
    }
}

struct RawResponse {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// The stand-in's `/oauth2/authorize` answers 302 to the client's redirect URI, which the tests
/// read instead of following (the URI points nowhere). Lives as long as the test process.
let nonRedirectingClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    // Cancelling a server task logs its closing channels at error level; only worse is news here.
    logger.logLevel = .critical
    return logger
}

/// Runs `body` against a fresh stand-in and stops it afterwards.
func withStandIn(_ configuration: StandInConfiguration = StandInConfiguration(),
                 _ body: (StandInFixture) async throws -> Void) async throws {
    let server = TwitchStandInServer(configuration: configuration, logger: quietLogger("stand-in"))
    try await server.withRunning { port in try await body(StandInFixture(server: server, port: port)) }
}

/// One request a callback received.
struct ReceivedDelivery: Sendable {
    /// Lower-cased names.
    let headers: [String: String]
    let body: [UInt8]
    var messageType: String? { headers["twitch-eventsub-message-type"] }
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
}

/// A tiny EventSub webhook receiver: records every request and answers challenges (correctly, or
/// wrongly when asked to), everything else with 204.
final class CallbackReceiver: Sendable {
    enum ChallengeAnswer: Sendable { case echo, wrongBody, serverError }
    private let received = Mutex<[ReceivedDelivery]>([])
    let challengeAnswer: ChallengeAnswer

    init(challengeAnswer: ChallengeAnswer = .echo) { self.challengeAnswer = challengeAnswer }

    var deliveries: [ReceivedDelivery] { received.withLock { $0 } }

    func deliveries(ofType type: String) -> [ReceivedDelivery] { deliveries.filter { $0.messageType == type } }

    func respond(_ request: Request) async throws -> Response {
        var buffer = try await request.body.collect(upTo: 1 << 20)
        let body = buffer.readBytes(length: buffer.readableBytes) ?? []
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let delivery = ReceivedDelivery(headers: headers, body: body)
        received.withLock { $0.append(delivery) }
        guard delivery.messageType == "webhook_callback_verification" else { return Response(status: .noContent) }
        switch challengeAnswer {
        case .echo:
            let challenge = delivery.json["challenge"]?.stringValue ?? ""
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: challenge)))
        case .wrongBody:
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "not the challenge")))
        case .serverError:
            return Response(status: .internalServerError)
        }
    }
}

/// Runs a callback receiver on a kernel-chosen port; `body` gets its callback URL.
func withCallbackReceiver(_ receiver: CallbackReceiver = CallbackReceiver(), _ body: (String, CallbackReceiver) async throws -> Void) async throws {
    let router = Router()
    router.post("/webhooks/twitch") { request, _ in try await receiver.respond(request) }
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
        onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: quietLogger("callback"))
    let task = Task { try await app.runService() }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())
    do {
        try await body("http://127.0.0.1:\(port)/webhooks/twitch", receiver)
    } catch {
        task.cancel()
        _ = await task.result
        throw error
    }
    task.cancel()
    _ = await task.result
}

/// Polls until `condition` holds or `seconds` pass; returns whether it held.
func eventually(seconds: Double = 5, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = monotonicNanoseconds() + UInt64(seconds * 1_000_000_000)
    while monotonicNanoseconds() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return try await condition()
}

/// A callback nothing listens on (port 1 is privileged and unused on loopback).
let unreachableCallback = "http://127.0.0.1:1/webhooks/twitch"
