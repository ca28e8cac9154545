import FanoutBenchmark
import BlockingIO
import JSONValue
import NIOPosix
import SocketRelay
import Testing

/// One HTTP/1.1 connection used for several requests, as pooled clients (aiohttp) use them.
final class KeepAliveConnection {
    let client: RawWebSocketClient
    private var buffer: [UInt8] = []

    struct Response {
        let status: Int
        let headers: [String: String]
        let body: String
    }

    init(port: Int) async throws {
        client = try await RawWebSocketClient.connect(port: port, group: MultiThreadedEventLoopGroup.singleton, handshake: false)
    }

    func send(_ method: String, _ path: String, headers: [String] = [], body: String = "") {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for header in headers { head += header + "\r\n" }
        if method == "POST" { head += "Content-Length: \(body.utf8.count)\r\n" }
        client.sendRaw(Array((head + "\r\n" + body).utf8))
    }

    /// A WebSocket upgrade request (`Sec-WebSocket-Key` is the RFC 6455 sample key).
    func sendUpgrade(_ path: String) {
        send("GET", path, headers: ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                                    "Sec-WebSocket-Version: 13"])
    }

    /// The next response (a 101 has no body; what follows it stays buffered as WebSocket bytes).
    func response(timeoutMilliseconds: Int = 5_000) async -> Response? {
        let deadline = wallClockSeconds() + Double(timeoutMilliseconds) / 1000
        while true {
            if let response = parse() { return response }
            guard wallClockSeconds() < deadline, let frame = await client.next(timeout: timeoutMilliseconds) else { return nil }
            guard case .raw(let chunk) = frame else { return nil }
            buffer += chunk
        }
    }

    /// The next server WebSocket text frame (unmasked, short) after an upgrade.
    func webSocketText(timeoutMilliseconds: Int = 5_000) async -> String? {
        let deadline = wallClockSeconds() + Double(timeoutMilliseconds) / 1000
        while true {
            if buffer.count >= 2, buffer[1] & 0x7F < 126, buffer.count >= 2 + Int(buffer[1] & 0x7F) {
                let length = Int(buffer[1] & 0x7F)
                let text = String(decoding: buffer[2..<(2 + length)], as: UTF8.self)
                buffer.removeFirst(2 + length)
                return text
            }
            guard wallClockSeconds() < deadline, let frame = await client.next(timeout: timeoutMilliseconds) else { return nil }
            guard case .raw(let chunk) = frame else { return nil }
            buffer += chunk
        }
    }

    func sendWebSocketText(_ text: String) {
        client.sendRaw(RawWebSocketClient.maskedFrame(opcode: 0x1, payload: Array(text.utf8)))
    }

    private func parse() -> Response? {
        guard let end = buffer.indices.dropLast(3).first(where: { buffer[$0] == 13 && buffer[$0 + 1] == 10 && buffer[$0 + 2] == 13 && buffer[$0 + 3] == 10 })
        else { return nil }
        let lines = String(decoding: buffer[..<end], as: UTF8.self).split(separator: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: " ") }
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        guard buffer.count >= end + 4 + length else { return nil }
        let body = String(decoding: buffer[(end + 4)..<(end + 4 + length)], as: UTF8.self)
        buffer.removeFirst(end + 4 + length)
        return Response(status: status, headers: headers, body: body)
    }
}

extension RelaySuites {
    /// WebSocket upgrades on any request of a keep-alive connection (as Node's `upgrade` event
    /// allows), which aiohttp-based clients rely on: they reuse a pooled connection.
    @Suite struct KeepAliveUpgradeTests {
        @Test func upgradeAfterAPollingHandshakeOnTheSameConnection() async throws {
            let relay = try await ConformanceTests.start()
            let connection = try await KeepAliveConnection(port: relay.port)
            connection.send("GET", "/socket.io/?EIO=4&transport=polling")
            let handshake = try #require(await connection.response())
            #expect(handshake.status == 200)
            let sid = try #require(try JSONParser.parse(String(handshake.body.dropFirst()))["sid"]?.stringValue)
            connection.send("POST", "/socket.io/?EIO=4&transport=polling&sid=\(sid)", body: "40")
            #expect(await connection.response()?.body == "ok", "a POST on the same connection is answered")
            connection.sendUpgrade("/socket.io/?EIO=4&transport=websocket&sid=\(sid)")
            let upgrade = try #require(await connection.response())
            #expect(upgrade.status == 101)
            connection.sendWebSocketText("2probe")
            #expect(await connection.webSocketText() == "3probe")
            connection.sendWebSocketText("5")
            connection.sendWebSocketText("42[\"message\",\"over the upgraded connection\"]")
            var texts: [String] = []
            while let text = await connection.webSocketText(timeoutMilliseconds: 2_000) {
                texts.append(text)
                if text.hasPrefix("42[\"message-back\"") { break }
            }
            #expect(texts.last == "42[\"message-back\",\"over the upgraded connection\"]", "\(texts)")
            await connection.client.close()
            await relay.stop()
        }

        @Test func upgradeAfterAHealthCheckOnTheSameConnection() async throws {
            let relay = try await ConformanceTests.start()
            let connection = try await KeepAliveConnection(port: relay.port)
            connection.send("GET", "/healthz")
            #expect(await connection.response()?.status == 200)
            connection.sendUpgrade("/socket.io/?EIO=4&transport=websocket")
            #expect(await connection.response()?.status == 101)
            #expect(await connection.webSocketText()?.hasPrefix("0{\"sid\":") == true)
            await connection.client.close()
            await relay.stop()
        }

        @Test func aRefusedUpgradeAnswersConnectionCloseAndCloses() async throws {
            let relay = try await ConformanceTests.start()
            for first in [true, false] {
                let connection = try await KeepAliveConnection(port: relay.port)
                if first {
                    connection.send("GET", "/healthz")
                    #expect(await connection.response()?.status == 200)
                }
                connection.sendUpgrade("/socket.io/?EIO=4&transport=websocket&sid=unknown")
                let refused = try #require(await connection.response())
                #expect(refused.status == 400)
                #expect(refused.headers["connection"]?.lowercased() == "close")
                #expect(await connection.client.waitClosed(timeout: 3_000), "the connection is closed, not left hanging")
            }
            await relay.stop()
        }
    }
}
