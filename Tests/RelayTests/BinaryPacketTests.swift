import Testing

extension RelaySuites {
    /// BINARY_EVENT / BINARY_ACK over long-polling (`b<base64>` packets); the WebSocket path is
    /// covered by the official suite's binary cases (`ProtocolSuiteTests`).
    @Suite struct BinaryPacketTests {
        @Test func binaryEventAndAckOverPolling() async throws {
            let relay = try await ConformanceTests.start()
            let sid = try await ConformanceTests.openPolling(relay)
            let event = "451-[\"message\",{\"_placeholder\":true,\"num\":0}]\u{1e}bAQID"
            #expect(try await ConformanceTests.poll(relay, sid, method: "POST", body: "40\u{1e}" + event).body == "ok")
            let first = try await ConformanceTests.poll(relay, sid).body.split(separator: "\u{1e}").map(String.init).filter { $0 != "2" }
            #expect(first.count == 4, "\(first)")
            #expect(first.dropFirst().first == "42[\"auth\",{}]")
            #expect(Array(first.suffix(2)) == ["451-[\"message-back\",{\"_placeholder\":true,\"num\":0}]", "bAQID"])
            let ack = "462-7[\"message-with-ack\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\u{1e}bBAUG\u{1e}bBw=="
            #expect(try await ConformanceTests.poll(relay, sid, method: "POST", body: ack.replacing("462-7", with: "452-7")).body == "ok")
            let second = try await ConformanceTests.poll(relay, sid).body.split(separator: "\u{1e}").map(String.init).filter { $0 != "2" }
            #expect(second == ["462-7[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", "bBAUG", "bBw=="], "\(second)")
            await relay.stop()
        }
    }
}
