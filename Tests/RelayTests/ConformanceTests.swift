import FanoutBenchmark
import JSONValue
import NIOPosix
import Settings
import SocketRelay
import Testing

extension RelaySuites {
    /// `--conformance` mode, driven the way the official socket.io protocol test suite (v5, EIO=4)
    /// drives a server under test. Binary attachments are the one deliberate difference: the relay
    /// refuses them (close), where the suite expects them echoed.
    @Suite struct ConformanceTests {
        static let group = MultiThreadedEventLoopGroup.singleton

        /// `--conformance` settings, except that exchanges which must answer a ping can be given a
        /// longer pong deadline than the suite's 200 ms: the whole test run shares two cores.
        static func start(pingTimeout: Int = 200) async throws -> RelayUnderTest {
            var conformance = try RelayConfiguration.load(environment: Environment(["PORT": "1"]), conformance: true)
            conformance.pingTimeoutMilliseconds = pingTimeout
            return try await RelayUnderTest.start { configuration in
                configuration.mode = conformance.mode
                configuration.pingIntervalMilliseconds = conformance.pingIntervalMilliseconds
                configuration.pingTimeoutMilliseconds = conformance.pingTimeoutMilliseconds
                configuration.connectTimeoutMilliseconds = conformance.connectTimeoutMilliseconds
                configuration.maxPayload = conformance.maxPayload
                configuration.connectReplyGapMicroseconds = conformance.connectReplyGapMicroseconds
            }
        }

        @Test func conformanceModeUsesTheSuitesSettings() throws {
            let configuration = try RelayConfiguration.load(environment: Environment([:]), conformance: true)
            #expect(configuration.mode == .conformance)
            #expect(configuration.pingIntervalMilliseconds == 300)
            #expect(configuration.pingTimeoutMilliseconds == 200)
            #expect(configuration.connectTimeoutMilliseconds == 1_000)
            #expect(configuration.maxPayload == 1_000_000)
            #expect(configuration.port == 8081)
            #expect(throws: ConfigurationError.self) { try RelayConfiguration.load(environment: Environment([:])) }
        }

        @Test func writeCoalescingAndUnpublishedCheckAreConfigurable() throws {
            let required = ["REDIS_URL": "redis://127.0.0.1:1", "DATABASE_URL": "postgresql://127.0.0.1:1/x", "JWT_ISSUER": "i",
                            "JWT_AUDIENCE": "a", "JWT_JWKS_FILE": "/nonexistent"]
            let defaults = try RelayConfiguration.load(environment: Environment(required))
            #expect(defaults.flushIntervalMicroseconds == 1_000)
            #expect(defaults.unpublishedCheckIntervalMilliseconds == 2_000)
            let tuned = try RelayConfiguration.load(environment: Environment(
                required.merging(["RELAY_FLUSH_INTERVAL_US": "0", "RELAY_UNPUBLISHED_CHECK_MS": "0"]) { $1 }))
            #expect(tuned.flushIntervalMicroseconds == 0)
            #expect(tuned.unpublishedCheckIntervalMilliseconds == 0)
            for (name, value) in [("RELAY_FLUSH_INTERVAL_US", "-1"), ("RELAY_FLUSH_INTERVAL_US", "soon"), ("RELAY_UNPUBLISHED_CHECK_MS", "700000")] {
                #expect(throws: ConfigurationError.self) {
                    try RelayConfiguration.load(environment: Environment(required.merging([name: value]) { $1 }))
                }
            }
        }

        static func openPolling(_ relay: RelayUnderTest) async throws -> String {
            let response = try await HTTP.get(port: relay.port, path: "/socket.io/?EIO=4&transport=polling")
            #expect(response.status == 200)
            let open = try JSONParser.parse(String(response.body.dropFirst()))
            #expect(open["upgrades"] == ["websocket"])
            #expect(open["pingInterval"] == 300)
            #expect(open["pingTimeout"] == .int(Int64(relay.configuration.pingTimeoutMilliseconds)))
            #expect(open["maxPayload"] == 1_000_000)
            return try #require(open["sid"]?.stringValue)
        }

        static func poll(_ relay: RelayUnderTest, _ sid: String, method: String = "GET", body: String = "") async throws -> HTTP.Response {
            try await HTTP.request(port: relay.port, method: method, path: "/socket.io/?EIO=4&transport=polling&sid=\(sid)", body: body)
        }

        @Test func pollingHeartbeatAndTimeout() async throws {
            let relay = try await Self.start(pingTimeout: 1_000)
            let sid = try await Self.openPolling(relay)
            // Join the main namespace first, or the 1 s connect timeout may end the session
            // before three heartbeats when the machine is busy.
            #expect(try await Self.poll(relay, sid, method: "POST", body: "40").body == "ok")
            // On a busy machine a ping can be queued before the CONNECT reply: read packets in
            // order, answering pings, until the reply and then three pings have been seen.
            var connected = false
            var pings = 0
            var polls = 0
            while (!connected || pings < 3) && polls < 20 {
                polls += 1
                let response = try await Self.poll(relay, sid)
                #expect(response.status == 200)
                guard response.status == 200 else { break }
                for packet in response.body.split(separator: "\u{1e}") {
                    if packet.hasPrefix("40{\"sid\":") { connected = true }
                    if packet == "2" {
                        pings += 1
                        #expect(try await Self.poll(relay, sid, method: "POST", body: "3").body == "ok")
                    }
                }
            }
            #expect(connected)
            #expect(pings >= 3)
            let idle = try await Self.openPolling(relay)
            try await Task.sleep(nanoseconds: 1_800_000_000)
            #expect(try await Self.poll(relay, idle).status == 400, "closed upon ping timeout")
            await relay.stop()
        }

        @Test func pollingCloseReleasesThePendingGet() async throws {
            let relay = try await Self.start()
            let sid = try await Self.openPolling(relay)
            async let held = Self.poll(relay, sid)
            try await Task.sleep(nanoseconds: 50_000_000)
            #expect(try await Self.poll(relay, sid, method: "POST", body: "1").status == 200)
            #expect(try await held.body == "6")
            #expect(try await Self.poll(relay, sid).status == 400)
            await relay.stop()
        }

        @Test func pollingMessagesAndUpgrade() async throws {
            let relay = try await Self.start()
            let sid = try await Self.openPolling(relay)
            #expect(try await Self.poll(relay, sid, method: "POST", body: "40\u{1e}42[\"message\",\"hi\"]").body == "ok")
            let payload = try await Self.poll(relay, sid).body.split(separator: "\u{1e}")
            #expect(payload.count == 3)
            #expect(payload[0].hasPrefix("40{\"sid\":"))
            #expect(payload[1] == "42[\"auth\",{}]")
            #expect(payload[2] == "42[\"message-back\",\"hi\"]")

            let socket = try await RawWebSocketClient.connect(port: relay.port, path: "/socket.io/?EIO=4&transport=websocket&sid=\(sid)", group: Self.group)
            socket.sendText("2probe")
            #expect(await socket.nextText() == "3probe")
            socket.sendText("5")
            try await Task.sleep(nanoseconds: 50_000_000)
            #expect(try await Self.poll(relay, sid).status == 400, "HTTP requests with the sid are refused after the upgrade")
            socket.sendText("42[\"message\",1]")
            #expect(await socket.nextText() == "42[\"message-back\",1]")
            let second = try await RawWebSocketClient.connect(port: relay.port, path: "/socket.io/?EIO=4&transport=websocket&sid=\(sid)", group: Self.group)
            #expect(await second.waitClosed(), "a second websocket with the same sid is closed")
            await socket.close()
            await relay.stop()
        }

        @Test func webSocketHandshakeHeartbeatAndClose() async throws {
            let relay = try await Self.start(pingTimeout: 1_000)
            let socket = try await RawWebSocketClient.connect(port: relay.port, group: Self.group, autoPong: false)
            let open = try JSONParser.parse(String(try #require(await socket.nextText()).dropFirst()))
            #expect(open["upgrades"] == [])
            #expect(await socket.next(timeout: 1_000) == .text("2"), "the server pings")
            socket.sendText("3")
            #expect(await socket.next(timeout: 1_000) == .text("2"))
            #expect(await socket.waitClosed(timeout: 4_000), "no pong: closed upon ping timeout")

            let closing = try await RawWebSocketClient.connect(port: relay.port, group: Self.group)
            _ = await closing.nextText()
            closing.sendText("1")
            #expect(await closing.waitClosed())
            await relay.stop()
        }

        @Test func namespacesEventsAndAcks() async throws {
            let relay = try await Self.start()
            let socket = try await RawWebSocketClient.connect(port: relay.port, group: Self.group)
            _ = await socket.nextText()
            socket.sendText("40{\"token\":\"123\"}")
            let handshake = try JSONParser.parse(String(try #require(await socket.nextText()).dropFirst(2)))
            #expect(handshake.objectValue?.keys.sorted() == ["sid"])
            #expect(await socket.nextText() == "42[\"auth\",{\"token\":\"123\"}]")
            socket.sendText("40/custom,")
            #expect(await socket.nextText()?.hasPrefix("40/custom,{\"sid\":") == true)
            #expect(await socket.nextText() == "42/custom,[\"auth\",{}]")
            socket.sendText("40/random")
            #expect(await socket.nextText() == "44/random,{\"message\":\"Invalid namespace\"}")
            socket.sendText("42[\"message\",1,\"2\",{\"3\":[true]}]")
            #expect(await socket.nextText() == "42[\"message-back\",1,\"2\",{\"3\":[true]}]")
            socket.sendText("42456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]")
            #expect(await socket.nextText() == "43456[1,\"2\",{\"3\":[false]}]")
            socket.sendText("41/custom")
            socket.sendText("42[\"message\",\"message to main namespace\"]")
            #expect(await socket.nextText() == "42[\"message-back\",\"message to main namespace\"]")
            socket.sendText("41")
            #expect(await socket.next(timeout: 1_000) == .text("2"), "leaving the last namespace keeps the session: pings go on")
            #expect(await socket.waitClosed(timeout: 3_000), "then the connect timeout closes it (no namespace)")

            for invalid in ["4abc", "42{}", "42abc[\"message-with-ack\",1]"] {
                let client = try await RawWebSocketClient.connect(port: relay.port, group: Self.group)
                _ = await client.nextText()
                client.sendText("40")
                _ = await client.nextText()
                _ = await client.nextText()
                client.sendText(invalid)
                #expect(await client.waitClosed(), "\(invalid) closes the connection")
            }
            let silent = try await RawWebSocketClient.connect(port: relay.port, group: Self.group)
            #expect(await silent.waitClosed(timeout: 3_000), "no CONNECT within the 1 s connect timeout")
            await relay.stop()
        }
    }
}
