@testable import SocketRelay
import FanoutBenchmark
import JSONValue
import NIOCore
import TestSupport
import Testing

/// The relay's own WebSocket reader (`WebSocketFrameReader`), byte by byte against RFC 6455's
/// worked examples, and end to end against websocket-client, a third-party implementation.
@Suite struct WebSocketFrameReaderTests {
    /// RFC 6455 §5.7: "A single-frame masked text message" ("Hello", mask 37 fa 21 3d).
    static let maskedHello: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
    /// The same example's payload as a masked ping (opcode 9) and as a masked pong (§5.7's own).
    static let maskedPingHello: [UInt8] = [0x89, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
    static let maskedPongHello: [UInt8] = [0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]

    /// A masked client frame (the benchmark client's framing; any mask reads the same).
    static func frame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        RawWebSocketClient.maskedFrame(opcode: opcode, payload: payload, fin: fin)
    }

    enum Read: Equatable {
        case text(String), binary([UInt8]), ping([UInt8]), pong, close
    }

    /// Feeds `bytes` in reads of `chunk` bytes; returns the messages, or the failure.
    static func read(_ bytes: [UInt8], chunk: Int, maxPayload: Int = 1_000_000) -> (messages: [Read], failure: WebSocketFrameReader.Failure?) {
        var reader = WebSocketFrameReader(maxPayload: maxPayload)
        var messages: [Read] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            do throws(WebSocketFrameReader.Failure) {
                try reader.read(ByteBuffer(bytes: bytes[offset..<end])) { message in
                    switch message {
                    case .text(let text): messages.append(.text(String(decoding: text, as: UTF8.self)))
                    case .binary(let payload): messages.append(.binary(Array(payload.readableBytesView)))
                    case .ping(let payload): messages.append(.ping(Array(payload.readableBytesView)))
                    case .pong: messages.append(.pong)
                    case .close: messages.append(.close)
                    }
                }
            } catch {
                return (messages, error)
            }
            offset = end
        }
        return (messages, nil)
    }

    @Test func rfcExamplesReadTheSameWhereverTheReadsSplitThem() {
        let longText = String(repeating: "relay ", count: 50)          // 300 bytes: a 16-bit length
        let bigBinary = (0..<70_000).map { UInt8($0 % 251) }           // a 64-bit length
        let stream = Self.maskedHello + Self.maskedPingHello + Self.maskedPongHello
            + Self.frame(opcode: 0x1, Array(longText.utf8))
            + Self.frame(opcode: 0x2, bigBinary)
            // A fragmented text message with a ping between its fragments (RFC 6455 §5.4).
            + Self.frame(opcode: 0x1, Array("Hel".utf8), fin: false)
            + Self.frame(opcode: 0x9, [1, 2])
            + Self.frame(opcode: 0x0, Array("lo".utf8), fin: false)
            + Self.frame(opcode: 0x0, [], fin: true)
            + Self.frame(opcode: 0x8, [0x03, 0xE8])
        let expected: [Read] = [.text("Hello"), .ping(Array("Hello".utf8)), .pong, .text(longText), .binary(bigBinary),
                                .ping([1, 2]), .text("Hello"), .close]
        for chunk in [1, 2, 3, 7, 64, 256, stream.count] {
            let result = Self.read(stream, chunk: chunk)
            #expect(result.failure == nil, "reads of \(chunk)")
            #expect(result.messages == expected, "reads of \(chunk)")
        }
    }

    @Test func framesNoClientMaySendAreRefused() {
        let cases: [(String, [UInt8], WebSocketFrameReader.Failure)] = [
            ("unmasked (RFC 6455 §5.7's unmasked Hello)", [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F], .protocolError("invalid websocket frame")),
            ("reserved bit", [0xC1] + Array(Self.maskedHello.dropFirst()), .protocolError("invalid websocket frame")),
            ("unknown opcode 3", Self.frame(opcode: 0x3, [1]), .protocolError("unknown websocket opcode")),
            ("fragmented ping", Self.frame(opcode: 0x9, [1], fin: false), .protocolError("fragmented or oversized control frame")),
            ("ping over 125 bytes", Self.frame(opcode: 0x9, [UInt8](repeating: 1, count: 126)), .protocolError("fragmented or oversized control frame")),
            ("continuation first", Self.frame(opcode: 0x0, [1]), .protocolError("continuation frame without a message")),
            ("new message inside a fragmented one", Self.frame(opcode: 0x1, [1], fin: false) + Self.frame(opcode: 0x1, [2]),
             .protocolError("new message inside a fragmented message")),
            ("frame over maxPayload", Self.frame(opcode: 0x1, [UInt8](repeating: 0x61, count: 1_025)), .tooLarge),
            ("fragments over maxPayload", Self.frame(opcode: 0x1, [UInt8](repeating: 0x61, count: 600), fin: false)
                + Self.frame(opcode: 0x0, [UInt8](repeating: 0x61, count: 600)), .tooLarge),
            ("more than 256 fragments", Self.frame(opcode: 0x1, [0x61], fin: false)
                + (0..<256).flatMap { _ in Self.frame(opcode: 0x0, [0x61], fin: false) }, .tooLarge),
        ]
        for (name, bytes, failure) in cases {
            #expect(Self.read(bytes, chunk: bytes.count, maxPayload: 1_024).failure == failure, "\(name)")
        }
        // A length over the limit is refused from its header, before the payload arrives.
        let header = Array(Self.frame(opcode: 0x2, [UInt8](repeating: 0, count: 70_000)).prefix(14))
        #expect(Self.read(header, chunk: header.count, maxPayload: 65_536).failure == .tooLarge)
    }

    @Test func handshakeAcceptValueIsRFC6455s() {
        // RFC 6455 §1.3's worked example.
        #expect(WebSocketUpgrader.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }
}

extension RelaySuites {
    @Suite struct WebSocketFramingTests {
        /// websocket-client sends a CONNECT in three fragments with a ping between them, a
        /// subscribe in two, and a close: the relay answers each as a whole message.
        @Test func fragmentsPingsAndCloseFromAThirdPartyClient() async throws {
            let relay = try await RelayUnderTest.start()
            let tenant = try Tenant.make()
            let client = try PythonClient(.object([
                "url": .string("ws://127.0.0.1:\(relay.port)/socket.io/?EIO=4&transport=websocket"),
                "token": .string(TestKeys.token(company: tenant.company)),
                "creator_id": .string(tenant.creator),
            ]), script: "websocket_frames.py")
            #expect(await client.waitFor("done"), "\(client.transcript)")
            #expect(client.records(ofType: "pong").first?["data"]?.stringValue == "between fragments", "\(client.transcript)")
            let texts = client.records(ofType: "text").compactMap { $0["data"]?.stringValue }
            #expect(texts.contains { $0.hasPrefix("40{\"pid\":") }, "the CONNECT reply: \(client.transcript)")
            #expect(texts.contains { $0.hasPrefix("431[") && $0.contains("\"ok\":true") }, "the subscribe ack: \(client.transcript)")
            #expect(client.records(ofType: "close").first?["code"]?.int64Value == 1000, "\(client.transcript)")
            #expect(await client.waitForExit() == 0)
            await client.stop()
            await relay.stop()
        }
    }
}
