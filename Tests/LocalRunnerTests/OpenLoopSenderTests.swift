import Foundation
@testable import LocalRunner
import Processes
import Testing

/// The benchmarks' open-loop sender against Python's own HTTP/1.1 server (keep-alive, a thread
/// per connection): counts, weights, and latency from the scheduled send time.
@Suite(.serialized) struct OpenLoopSenderTests {
    /// Answers POST with 500 when the body says "fail", else 204, after `delay` seconds.
    static func withServer(delay: Double, _ body: (Int) throws -> Void) async throws {
        let (server, port) = try await startServer(delay: delay)
        do {
            try body(port)
        } catch {
            _ = await server.terminate()
            throw error
        }
        _ = await server.terminate()
    }

    static func startServer(delay: Double) async throws -> (ChildProcess, port: Int) {
        let portFile = NSTemporaryDirectory() + "open-loop-port-\(UInt32.random(in: 0...UInt32.max))"
        let script = """
            import http.server, socketserver, sys, time
            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                def do_POST(self):
                    body = self.rfile.read(int(self.headers["Content-Length"]))
                    time.sleep(\(delay))
                    self.send_response(500 if b"fail" in body else 204)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                def log_message(self, *args):
                    pass
            class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
                daemon_threads = True
            server = Server(("127.0.0.1", 0), Handler)
            open(sys.argv[1], "w").write(str(server.server_address[1]))
            server.serve_forever()
            """
        let process = try ChildProcess(executable: "python3", arguments: ["-c", script, portFile],
                                       environment: ProcessInfo.processInfo.environment, outputPath: portFile + ".log")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) { return (process, port) }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        _ = await process.terminate()
        throw OpenLoopSender.Failure(description: "the Python server did not start")
    }

    static func request(_ body: String) -> [UInt8] {
        Array("POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
    }

    @Test func countsAnswersAndWeightsOfEveryScheduledRequest() async throws {
        try await Self.withServer(delay: 0) { port in
            let result = try OpenLoopSender(port: port, connections: 4).run(rate: 200, seconds: 2) { index in
                index % 10 == 3 ? (Self.request("fail"), 5) : (Self.request("ok \(index)"), 1)
            }
            #expect(result.accepted == 360)
            #expect(result.errors == 40)
            #expect(result.weight == 360)
            #expect(result.latencies.count == 360)
            #expect(result.latencies.allSatisfy { $0 >= 0 && $0 < 1_000 })
            // The last request is due at 1.995 s: the run cannot be shorter.
            #expect(result.elapsed >= 1.99)
        }
    }

    /// One connection, 20 requests due over a second, 100 ms each to answer: they queue, and the
    /// last one is answered about a second after it was due. Latency from the actual send would
    /// have said 100 ms for every request (coordinated omission).
    @Test func aBacklogShowsAsLatencyFromTheScheduledTime() async throws {
        try await Self.withServer(delay: 0.1) { port in
            let result = try OpenLoopSender(port: port, connections: 1).run(rate: 20, seconds: 1) { _ in (Self.request("ok"), 1) }
            #expect(result.accepted == 20)
            let sorted = result.latencies.sorted()
            #expect((sorted.first ?? 0) >= 95)
            #expect((sorted.last ?? 0) >= 900)
            #expect(result.elapsed >= 1.9)
        }
    }

    @Test func endsEarlyWhenTheRequestsRunOut() async throws {
        try await Self.withServer(delay: 0) { port in
            let result = try OpenLoopSender(port: port, connections: 2).run(rate: 100, seconds: 2) { index in
                index < 50 ? (Self.request("ok"), 2) : nil
            }
            #expect(result.accepted == 50)
            #expect(result.weight == 100)
            #expect(result.elapsed < 1.5)
        }
    }
}
