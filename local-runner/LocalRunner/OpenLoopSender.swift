#if canImport(Glibc)
import Glibc
#endif
import BlockingIO
import Processes

/// The benchmarks' open loop on plain non-blocking sockets, in the calling thread: request i is
/// due at start + i / rate and goes out on the first idle keep-alive connection; its latency
/// counts from that due time, so a backlog (every connection busy, or the server slower than the
/// rate) shows as latency instead of hiding as a lower rate.
///
/// Why not `LoadDriver` (AsyncHTTPClient): at 1,000 requests/s it cost about 0.5 ms of CPU per
/// request on this 2-core machine, a quarter of it, taken from the system it measured. This
/// writes pre-rendered bytes and reads a status line and a Content-Length, as wrk does for the
/// closed loop.
struct OpenLoopSender: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let port: Int
    let connections: Int

    /// Sends `rate` × `seconds` requests on schedule. `request(i)` renders request i (a complete
    /// HTTP/1.1 request, keep-alive) and its weight; nil ends the run early. A 2xx counts as
    /// accepted; anything else, a closed connection or no answer within `answerSeconds` after
    /// the last request's due time counts as an error.
    func run(rate: Int, seconds: Int, answerSeconds: Int = 30,
             request: (Int) -> (bytes: [UInt8], weight: Int)?) throws -> LoadDriver.Result {
        var pool = try (0..<max(1, connections)).map { _ in try Connection(port: port) }
        defer { pool.forEach { $0.close() } }
        let interval = 1_000_000_000 / UInt64(max(1, rate))
        var total = max(0, rate * seconds)
        var result = LoadDriver.Result()
        result.latencies.reserveCapacity(total)
        let began = monotonicNanoseconds()
        let giveUp = began + UInt64(seconds + answerSeconds) * 1_000_000_000
        var next = 0
        var readBuffer = [UInt8](repeating: 0, count: 64 << 10)
        var polled: [pollfd] = []
        var polledIndex: [Int] = []

        while true {
            var now = monotonicNanoseconds()
            // Everything due goes out on idle connections, oldest first.
            var idle = pool.indices.filter { !pool[$0].busy }
            while next < total, began + UInt64(next) * interval <= now, let index = idle.popLast() {
                guard let item = request(next) else {
                    total = next
                    break
                }
                pool[index].start(item.bytes, due: began + UInt64(next) * interval, weight: item.weight)
                if !pool[index].flush() { fail(&pool[index], &result) }
                next += 1
            }
            let busy = pool.indices.filter { pool[$0].busy }
            if next >= total && busy.isEmpty { break }
            now = monotonicNanoseconds()
            if now >= giveUp {
                for index in busy { fail(&pool[index], &result) }
                break
            }

            // Wait for an answer, a writable socket or the next due time.
            polled.removeAll(keepingCapacity: true)
            polledIndex.removeAll(keepingCapacity: true)
            for index in busy {
                let events = Int16(POLLIN) | (pool[index].hasUnsent ? Int16(POLLOUT) : 0)
                polled.append(pollfd(fd: pool[index].fd, events: events, revents: 0))
                polledIndex.append(index)
            }
            var wait = giveUp - now
            if next < total && busy.count < pool.count {
                let due = began + UInt64(next) * interval
                wait = due > now ? min(wait, due - now) : 0
            }
            // poll's resolution is a millisecond: rounded up, a send leaves up to 1 ms after its
            // due time, and that counts in its latency (never early, never hidden).
            let timeout = Int32(min(1_000, (wait + 999_999) / 1_000_000))
            let ready = poll(&polled, nfds_t(polled.count), timeout)
            if ready < 0 && errno != EINTR { throw Failure(description: "poll failed: \(String(cString: strerror(errno)))") }
            guard ready > 0 else { continue }
            let answeredAt = monotonicNanoseconds()
            for (slot, entry) in polled.enumerated() where entry.revents != 0 {
                let index = polledIndex[slot]
                if entry.revents & Int16(POLLOUT) != 0, !pool[index].flush() {
                    fail(&pool[index], &result)
                    continue
                }
                guard entry.revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 else { continue }
                switch pool[index].receive(into: &readBuffer) {
                case .waiting:
                    continue
                case .closed:
                    fail(&pool[index], &result)
                case .answered(let status):
                    if (200..<300).contains(status) {
                        result.accepted += 1
                        result.weight += pool[index].weight
                        result.latencies.append(Double(answeredAt - pool[index].due) / 1e6)
                    } else {
                        result.errors += 1
                    }
                    if pool[index].mustReconnect { pool[index].reconnect() }
                }
            }
        }
        result.elapsed = Double(monotonicNanoseconds() - began) / 1e9
        return result
    }

    private func fail(_ connection: inout Connection, _ result: inout LoadDriver.Result) {
        result.errors += 1
        connection.reconnect()
    }

    /// One keep-alive connection and the request it is carrying.
    struct Connection {
        enum Reading { case waiting, closed, answered(status: Int) }

        private(set) var fd: Int32
        let port: Int
        private(set) var busy = false
        private(set) var due: UInt64 = 0
        private(set) var weight = 0
        private(set) var mustReconnect = false
        private var unsent: [UInt8] = []
        private var sentCount = 0
        private var inbox: [UInt8] = []

        init(port: Int) throws {
            self.port = port
            self.fd = try Self.connect(port: port)
        }

        var hasUnsent: Bool { sentCount < unsent.count }

        mutating func start(_ bytes: [UInt8], due: UInt64, weight: Int) {
            unsent = bytes
            sentCount = 0
            inbox.removeAll(keepingCapacity: true)
            self.due = due
            self.weight = weight
            busy = true
        }

        /// Writes what the socket takes now; false when the connection failed.
        mutating func flush() -> Bool {
            while sentCount < unsent.count {
                let written = unsent.withUnsafeBytes { raw in
                    send(fd, raw.baseAddress! + sentCount, raw.count - sentCount, Int32(MSG_NOSIGNAL))
                }
                if written > 0 {
                    sentCount += written
                } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    return true
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }

        /// Reads what arrived; a complete response (status line, headers, Content-Length body)
        /// ends the request.
        mutating func receive(into buffer: inout [UInt8]) -> Reading {
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    inbox.append(contentsOf: buffer[0..<count])
                    continue
                }
                if count < 0 && errno == EINTR { continue }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
                return .closed
            }
            guard let response = Self.parse(inbox) else { return .waiting }
            busy = false
            mustReconnect = response.close
            inbox.removeAll(keepingCapacity: true)
            return .answered(status: response.status)
        }

        /// The status of a complete response at the start of `bytes`, and whether the server
        /// closes the connection after it; nil while incomplete.
        static func parse(_ bytes: [UInt8]) -> (status: Int, close: Bool)? {
            let separator: [UInt8] = [13, 10, 13, 10]
            guard bytes.count >= 16,
                  let end = (0...(bytes.count - 4)).first(where: { bytes[$0..<($0 + 4)].elementsEqual(separator) }) else { return nil }
            let head = String(decoding: bytes[0..<end], as: UTF8.self)
            let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
            let statusParts = lines.first?.split(separator: " ") ?? []
            guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return (status: 0, close: true) }
            var length = 0
            var close = false
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
                if name == "content-length" { length = Int(value) ?? 0 }
                if name == "connection" && value.lowercased() == "close" { close = true }
                // Not needed by the servers measured here; treated as a failed answer.
                if name == "transfer-encoding" { return (status: 0, close: true) }
            }
            guard bytes.count >= end + 4 + length else { return nil }
            return (status, close)
        }

        mutating func reconnect() {
            close()
            busy = false
            mustReconnect = false
            inbox.removeAll(keepingCapacity: true)
            fd = (try? Self.connect(port: port)) ?? -1
        }

        func close() {
            if fd >= 0 { _ = Glibc.close(fd) }
        }

        static func connect(port: Int) throws -> Int32 {
            let fd = try Ports.connect(port: port)
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            return fd
        }
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
