import AsyncHTTPClient
import BlockingIO
import Hummingbird
import JSONValue
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import URLEncoding
import YouTubeStandIn

/// A YouTube stand-in started on a kernel-chosen loopback port for one test.
struct YouTubeStandInFixture {
    let server: YouTubeStandInServer
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var state: YouTubeStandInState { server.state }
    var key: String { YouTubeStandInConfiguration.defaultAPIKey }

    func get(_ pathAndQuery: String) async throws -> StandInTestResponse {
        try await standInRequest("GET", baseURL + pathAndQuery)
    }

    /// `POST /subscribe` with a form body.
    func subscribe(_ parameters: [(String, String)]) async throws -> StandInTestResponse {
        try await standInRequest("POST", baseURL + "/subscribe", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                 body: PercentEncoding.form(parameters))
    }

    func subscribe(callback: String, topic: String, mode: String = "subscribe", lease: Int? = nil, secret: String? = nil)
        async throws -> StandInTestResponse
    {
        var parameters = [("hub.callback", callback), ("hub.mode", mode), ("hub.topic", topic)]
        if let lease { parameters.append(("hub.lease_seconds", String(lease))) }
        if let secret { parameters.append(("hub.secret", secret)) }
        return try await subscribe(parameters)
    }

    func control(_ method: String, _ path: String, json: JSONValue? = nil) async throws -> StandInTestResponse {
        try await standInRequest(method, baseURL + path, headers: [("Content-Type", "application/json")], body: json.map(JSONWriter.string))
    }
}

/// Runs `body` against a fresh YouTube stand-in (retries fast) and stops it afterwards.
func withYouTubeStandIn(_ configuration: YouTubeStandInConfiguration = YouTubeStandInConfiguration(deliveryRetrySeconds: 0.05),
                        _ body: (YouTubeStandInFixture) async throws -> Void) async throws {
    let server = YouTubeStandInServer(configuration: configuration, logger: standInQuietLogger("youtube-stand-in"))
    try await server.withRunning { port in try await body(YouTubeStandInFixture(server: server, port: port)) }
}

struct StandInTestResponse {
    let status: Int
    /// Lower-cased names.
    let headers: [String: String]
    let body: [UInt8]
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Lives as long as the test process; no redirects followed.
let standInTestClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

func standInRequest(_ method: String, _ url: String, headers: [(String, String)] = [], body: String? = nil) async throws -> StandInTestResponse {
    var request = HTTPClientRequest(url: url)
    request.method = .init(rawValue: method)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body { request.body = .bytes(ByteBuffer(string: body)) }
    let response = try await standInTestClient.execute(request, timeout: .seconds(10))
    var buffer = try await response.body.collect(upTo: 1 << 22)
    var fields: [String: String] = [:]
    for header in response.headers { fields[header.name.lowercased()] = header.value }
    return StandInTestResponse(status: Int(response.status.code), headers: fields, body: buffer.readBytes(length: buffer.readableBytes) ?? [])
}

func standInQuietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    // Cancelling a server task logs its closing channels at error level; only worse is news here.
    logger.logLevel = .critical
    return logger
}

/// Polls until `condition` holds or `seconds` pass; returns whether it held.
func standInEventually(seconds: Double = 5, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = monotonicNanoseconds() + UInt64(seconds * 1_000_000_000)
    while monotonicNanoseconds() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return try await condition()
}

/// A WebSub subscriber's callback for tests: records every request, answers verifications
/// (echoing the challenge, or wrongly when told to) and deliveries (with the statuses queued, then
/// 204).
final class WebSubTestCallback: Sendable {
    enum VerificationAnswer: Sendable { case echo, wrongBody, serverError }

    struct Received: Sendable {
        let method: String
        let query: [(name: String, value: String)]
        /// Lower-cased names.
        let headers: [String: String]
        let body: [UInt8]

        func parameter(_ name: String) -> String? { query.first { $0.name == name }?.value }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let received = Mutex<[Received]>([])
    private let deliveryStatuses = Mutex<[Int]>([])
    let verificationAnswer: VerificationAnswer

    init(verificationAnswer: VerificationAnswer = .echo, deliveryStatuses: [Int] = []) {
        self.verificationAnswer = verificationAnswer
        self.deliveryStatuses.withLock { $0 = deliveryStatuses }
    }

    var requests: [Received] { received.withLock { $0 } }
    var verifications: [Received] { requests.filter { $0.method == "GET" } }
    var deliveries: [Received] { requests.filter { $0.method == "POST" } }

    func respond(_ request: Request) async throws -> Response {
        var buffer = try await request.body.collect(upTo: 8 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let entry = Received(method: request.method.rawValue, query: QueryItems(request.uri.query).items, headers: headers,
                             body: buffer.readBytes(length: buffer.readableBytes) ?? [])
        received.withLock { $0.append(entry) }
        if entry.method == "POST" {
            let status = deliveryStatuses.withLock { $0.isEmpty ? 204 : $0.removeFirst() }
            return Response(status: .init(code: status))
        }
        guard entry.parameter("hub.mode") != "denied" else { return Response(status: .ok) }
        switch verificationAnswer {
        case .echo:
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: entry.parameter("hub.challenge") ?? "")))
        case .wrongBody:
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "not the challenge")))
        case .serverError:
            return Response(status: .internalServerError)
        }
    }
}

/// Runs a callback on a kernel-chosen port; `body` gets its URL.
func withWebSubCallback(_ callback: WebSubTestCallback = WebSubTestCallback(), _ body: (String, WebSubTestCallback) async throws -> Void) async throws {
    let router = Router()
    router.get("/webhooks/youtube/{id}") { request, _ in try await callback.respond(request) }
    router.post("/webhooks/youtube/{id}") { request, _ in try await callback.respond(request) }
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
        onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: standInQuietLogger("callback"))
    let task = Task { try await app.runService() }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())
    do {
        try await body("http://127.0.0.1:\(port)/webhooks/youtube/sub-1", callback)
    } catch {
        task.cancel()
        _ = await task.result
        throw error
    }
    task.cancel()
    _ = await task.result
}
