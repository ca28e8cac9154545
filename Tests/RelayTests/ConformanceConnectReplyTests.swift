import JSONValue
import SocketRelay
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension RelaySuites.ConformanceTests {
    /// The official suite waits for each packet with a one-shot listener on `ws`, which emits every
    /// frame of one TCP read synchronously: a packet read together with the CONNECT reply is lost
    /// (CI once saw the suite get the next ping instead of `auth`). A reader that is 15 ms late
    /// must still find the CONNECT reply alone in its read, and `auth` in the next one.
    @Test func connectReplyReachesALateReaderInAReadOfItsOwn() async throws {
        let relay = try await Self.start()
        do {
            let socket = try BlockingWebSocket(port: relay.port, path: "/socket.io/?EIO=4&transport=websocket")
            defer { socket.close() }
            #expect(try socket.readFrames().first?.hasPrefix("0{") == true, "Engine.IO handshake")
            try socket.sendText("40/custom,{\"token\":\"abc\"}")
            usleep(15_000)
            let first = try socket.readFrames()
            #expect(first.count == 1 && first[0].hasPrefix("40/custom,{\"sid\":"), "the CONNECT reply alone: \(first)")
            let second = try socket.readFrames()
            #expect(second.first == "42/custom,[\"auth\",{\"token\":\"abc\"}]", "then auth, in a later read: \(second)")
        } catch {
            Issue.record(error)
        }
        await relay.stop()
    }
}

/// A WebSocket client on a blocking socket whose every `readFrames` is exactly one `recv`, so a
/// test sees which frames the server's writes put in one read.
private final class BlockingWebSocket {
    private let descriptor: Int32
    private var pending: [UInt8] = []

    init(port: Int, path: String) throws {
        descriptor = try LoopbackSocket.connect(port: port, receiveTimeoutSeconds: 5)
        try write(Array(("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
        while true {
            try receive()
            if let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                guard head.hasPrefix("HTTP/1.1 101") else { throw TestFailure("no upgrade: \(head)") }
                pending.removeSubrange(..<end.upperBound)
                return
            }
        }
    }

    /// The complete text frames of the next read (one `recv`, after what an earlier read left).
    func readFrames() throws -> [String] {
        if pending.isEmpty { try receive() }
        var frames: [String] = []
        while pending.count >= 2 {
            var length = Int(pending[1] & 0x7F)
            var start = 2
            if length == 126 {
                guard pending.count >= 4 else { break }
                length = Int(pending[2]) << 8 | Int(pending[3])
                start = 4
            }
            guard pending.count >= start + length else { break }
            frames.append(String(decoding: pending[start..<start + length], as: UTF8.self))
            pending.removeSubrange(..<(start + length))
        }
        return frames
    }

    func sendText(_ text: String) throws {
        let payload = Array(text.utf8)
        precondition(payload.count < 126)
        let mask: [UInt8] = [1, 2, 3, 4]
        try write([0x81, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
    }

    func close() { _ = Glibc.close(descriptor) }

    private func receive() throws {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw TestFailure("the relay closed the connection or sent nothing in 5 s") }
        pending += buffer[0..<count]
    }

    private func write(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else { throw TestFailure("send() failed") }
    }
}
