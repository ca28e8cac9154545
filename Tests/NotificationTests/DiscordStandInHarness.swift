import AsyncHTTPClient
import DiscordStandIn
import JSONValue
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// A Discord stand-in on a kernel-chosen loopback port for one test, reached over real HTTP.
struct DiscordStandInFixture {
    let server: DiscordStandInServer
    let baseURL: String

    var state: DiscordStandInState { server.state }

    /// Runs `body` against a fresh stand-in, stopped afterwards.
    static func with<T>(_ configuration: DiscordStandInConfiguration = DiscordStandInConfiguration(), state: DiscordStandInState? = nil,
                        _ body: (DiscordStandInFixture) async throws -> T) async throws -> T {
        var logger = Logger(label: "discord-stand-in-test")
        // Cancelling the server task logs its closing channels at error level; only worse is news.
        logger.logLevel = .critical
        let server = state.map { DiscordStandInServer(state: $0, logger: logger) } ?? DiscordStandInServer(configuration: configuration, logger: logger)
        return try await server.withRunning { baseURL in try await body(DiscordStandInFixture(server: server, baseURL: baseURL)) }
    }

    func request(_ method: String, _ pathAndQuery: String, headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> DiscordStandInReply {
        var request = HTTPClientRequest(url: baseURL + pathAndQuery)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let started = ContinuousClock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var buffer = try await response.body.collect(upTo: 1 << 22)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return DiscordStandInReply(status: Int(response.status.code), headers: fields, body: buffer.readBytes(length: buffer.readableBytes) ?? [],
                                   elapsed: ContinuousClock.now - started)
    }

    func post(_ pathAndQuery: String, json: JSONValue, headers: [(String, String)] = []) async throws -> DiscordStandInReply {
        try await request("POST", pathAndQuery, headers: [("Content-Type", "application/json")] + headers, body: Array(JSONWriter.string(json).utf8))
    }

    func post(_ pathAndQuery: String, text: String, headers: [(String, String)] = [("Content-Type", "application/json")]) async throws -> DiscordStandInReply {
        try await request("POST", pathAndQuery, headers: headers, body: Array(text.utf8))
    }

    /// Executes `webhook` with `{"content": content}` (plus `extra` members).
    func execute(_ webhook: StandInWebhook, content: String, extra: [String: JSONValue] = [:], wait: Bool = false) async throws -> DiscordStandInReply {
        var object = extra
        object["content"] = .string(content)
        return try await post(webhook.path + (wait ? "?wait=true" : ""), json: .object(object))
    }
}

struct DiscordStandInReply {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]
    let elapsed: Duration

    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers[name.lowercased()] }
    func double(_ name: String) -> Double? { header(name).flatMap(Double.init) }
    var seconds: Double {
        let (seconds, attoseconds) = elapsed.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension JSONValue {
    /// `retry_after` and other numbers that may arrive as integers or decimals.
    var standInNumber: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }
}

/// Sleeps `seconds` (waiting out a `retry_after` as a polite sender would).
func discordStandInSleep(_ seconds: Double) async throws {
    try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
}
