import CryptoExtras
import Files
import AccessTokens
import BlockingIO
import JSONValue
import NIOCore
import NIOPosix
import Processes
import Redis
import Rooms
import Settings
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `bench fanout`: starts the built `socket-relay` as its own process, opens N WebSocket clients
/// (raw NIO clients in this process, spread over the companies), and measures:
///
/// 1. the relay's RSS per idle connection (VmRSS before and after connecting, settled);
/// 2. burst throughput: M events published to Redis as fast as pipelining allows, every client
///    receiving every event of its company; delivered messages/s from first publish to last
///    delivery, latency, lost messages;
/// 3. a fixed rate: `rate` events/s for `seconds`, latency p50/p99/max and lost messages.
///
/// Latency is Redis PUBLISH → client received (the publish time rides in the event's `data.t`,
/// monotonic clock, same machine). Lost = expected deliveries − received, counted per client.
public enum RelayFanoutBenchmark {
    public struct Options: Sendable {
        public var clients: Int
        public var companies: Int
        /// Burst phase: events published back to back.
        public var events: Int
        /// Fixed-rate phase: events per second (0 skips the phase) for `seconds`.
        public var rate: Int
        public var seconds: Int
        /// Bytes of padding per event (the compact events of the product are ~300-600 bytes).
        public var payloadBytes: Int
        /// The built relay, e.g. `.build/release/socket-relay`.
        public var relayExecutable: String
        public var redisURL: String
        /// The relay needs one (creator checks, recovery); the benchmark itself does not query it.
        public var databaseURL: String
        /// Where the key set and the relay's log go.
        public var workDirectory: String
        /// Event loops of the benchmark's own clients.
        public var clientThreads: Int
        /// Relay event loops (`RELAY_EVENT_LOOPS`); nil: half the cores (at least one), because
        /// the clients and the publisher run on the same machine and need the other half. (On a
        /// 2-core box, 2 relay loops competing with 2 client loops measured p99 52-70 ms at 500,000
        /// deliveries/s; 1 relay loop 37-42 ms.) In production the relay owns its machine and
        /// runs one loop per core.
        public var relayEventLoops: Int?
        /// The relay's write-coalescing interval (`RELAY_FLUSH_INTERVAL_US`); nil: its default.
        public var relayFlushIntervalMicroseconds: Int?
        /// The companies' ids (`companies` of them); nil: random ones (the Redis phases need no
        /// database rows; the webhook phase needs companies that track a Twitch user).
        public var companyIDs: [String]?
        /// A member (user id) of each company in `companyIDs`, in the same order: the relay holds
        /// every socket to its member's current role, so tokens must be for real members.
        public var memberIDs: [String]?
        /// The end-to-end phase through the real webhook function; nil skips it.
        public var webhook: WebhookPhase?

        public init(clients: Int = 1_000, companies: Int = 2, events: Int = 1_000, rate: Int = 200, seconds: Int = 5,
                    payloadBytes: Int = 256, relayExecutable: String, redisURL: String, databaseURL: String, workDirectory: String,
                    clientThreads: Int = 2, relayEventLoops: Int? = nil, relayFlushIntervalMicroseconds: Int? = nil) {
            self.clients = clients
            self.companies = companies
            self.events = events
            self.rate = rate
            self.seconds = seconds
            self.payloadBytes = payloadBytes
            self.relayExecutable = relayExecutable
            self.redisURL = redisURL
            self.databaseURL = databaseURL
            self.workDirectory = workDirectory
            self.clientThreads = clientThreads
            self.relayEventLoops = relayEventLoops
            self.relayFlushIntervalMicroseconds = relayFlushIntervalMicroseconds
        }
    }

    /// Signed EventSub notifications POSTed to the webhook function at `rate` per second for
    /// `seconds`, alternating over the companies. `send(rate, seconds, weight)` sends them on
    /// schedule, each compact event carrying its send time (monotonic ns) where the clients look
    /// for it (`data.bits` of a `channel.cheer`), and returns how many were accepted (2xx) and the
    /// sum of `weight(company)` over those. Latency: POST sent → client received, so it includes
    /// the HMAC check, the group commit with its fsync and the publish.
    public struct WebhookPhase: Sendable {
        public typealias Send = @Sendable (_ rate: Int, _ seconds: Int, _ weight: @escaping @Sendable (_ company: Int) -> Int) async throws
            -> (accepted: Int, weight: Int)
        public var rate: Int
        public var seconds: Int
        public var send: Send

        public init(rate: Int, seconds: Int, send: @escaping Send) {
            self.rate = rate
            self.seconds = seconds
            self.send = send
        }
    }

    public struct Phase: Sendable {
        public var name: String
        public var events: Int
        public var expectedDeliveries: Int
        public var delivered: Int
        public var lost: Int { expectedDeliveries - delivered }
        public var outOfOrder: Int
        public var seconds: Double
        public var deliveriesPerSecond: Double
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var maxMilliseconds: Double
        public var relayCPUSeconds: Double
        /// CPU used meanwhile by this process (the clients and the publisher share the machine).
        public var benchmarkCPUSeconds: Double
    }

    public struct Result: Sendable {
        public var clients: Int
        public var connectSeconds: Double
        public var relayRSSBeforeKiB: Int
        public var relayRSSAfterKiB: Int
        public var rssPerConnectionKiB: Double
        public var phases: [Phase]
        public var slowConsumersDropped: Int
        public var lines: [String]
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs the whole benchmark; progress and results go to `output` line by line.
    public static func run(_ options: Options, output: @escaping @Sendable (String) -> Void) async throws -> Result {
        precondition(options.companies >= 1 && options.clients >= options.companies)
        var lines: [String] = []
        func say(_ line: String) {
            lines.append(line)
            output(line)
        }

        // Keys: a fresh development key pair; the relay reads its JWKS file.
        let issuer = "https://bench.local/", audience = "ccr-bench"
        let key = try AccessTokenSigner.generateKey()
        let signer = AccessTokenSigner(kid: "bench", privateKey: key, issuer: issuer, audience: audience)
        let jwksPath = options.workDirectory + "/bench-jwks.json"
        try FileSystem.writeText(try JSONWebKeySet.document(kid: "bench", publicKey: key.publicKey), to: jwksPath)
        guard let companies = options.companyIDs, let members = options.memberIDs,
              companies.count == options.companies, members.count == options.companies
        else { throw Failure(description: "companyIDs and memberIDs must hold \(options.companies) ids each") }
        let tokens = try zip(companies, members).map { company, member in
            try signer.token(subject: member, companyID: company, role: .viewer, now: wallClockSeconds(), ttlSeconds: 86_400)
        }

        // The relay, as its own process.
        let port = try Ports.freeServerPort()
        var environment: [String: String] = [
            "PATH": "/usr/bin:/bin", "PORT": String(port), "HOST": "127.0.0.1", "REDIS_URL": options.redisURL,
            "DATABASE_URL": options.databaseURL, "JWT_ISSUER": issuer, "JWT_AUDIENCE": audience, "JWT_JWKS_FILE": jwksPath,
            "LOG_LEVEL": "warning", "RELAY_MAX_BUFFERED_BYTES": String(64 << 20), "DATABASE_POOL_SIZE": "2",
        ]
        let relayLoops = options.relayEventLoops ?? max(1, System.coreCount / 2)
        environment["RELAY_EVENT_LOOPS"] = String(relayLoops)
        if let interval = options.relayFlushIntervalMicroseconds { environment["RELAY_FLUSH_INTERVAL_US"] = String(interval) }
        let relay = try ChildProcess(executable: options.relayExecutable, environment: environment,
                                     outputPath: options.workDirectory + "/bench-relay.log")
        defer { if relay.exitStatusIfExited() == nil { relay.signal(SIGKILL) } }
        try await waitUntilSubscribed(port: port, relay: relay)
        try await Task.sleep(nanoseconds: 500_000_000)
        let rssBefore = ProcessStats.residentKiB(pid: relay.pid) ?? 0

        // Clients.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.clientThreads)
        defer { group.shutdownGracefully { _ in } }
        let counters = Counters()
        var states: [ClientState] = []
        var clients: [RawWebSocketClient] = []
        let connectStart = monotonicNanoseconds()
        var index = 0
        // RSS with half the clients too: the slope between half and all is what one more
        // connection costs, apart from what the first ones grow once (arenas, tables).
        var halfway: (clients: Int, kib: Int)?
        var pausedNanoseconds: UInt64 = 0
        while index < options.clients {
            if halfway == nil, index >= options.clients / 2, index > 0 {
                let pause = monotonicNanoseconds()
                defer { pausedNanoseconds = monotonicNanoseconds() - pause }
                while counters.connected.load(ordering: .relaxed) < index, monotonicNanoseconds() - connectStart < 120_000_000_000 {
                    try await Task.sleep(nanoseconds: 10_000_000)
                }
                try await Task.sleep(nanoseconds: 1_000_000_000)
                halfway = ProcessStats.residentKiB(pid: relay.pid).map { (index, $0) }
            }
            let batch = min(200, options.clients - index)
            try await withThrowingTaskGroup(of: (ClientState, RawWebSocketClient).self) { tasks in
                for offset in 0..<batch {
                    let company = (index + offset) % options.companies
                    let state = ClientState(company: company)
                    let connect = "40{\"token\":\"\(tokens[company])\"}"
                    tasks.addTask {
                        let client = try await RawWebSocketClient.connect(port: port, group: group, sendAfterOpen: connect) { text in
                            state.receive(text, counters: counters)
                        }
                        state.eventLoop = client.channel.eventLoop
                        return (state, client)
                    }
                }
                for try await (state, client) in tasks {
                    states.append(state)
                    clients.append(client)
                }
            }
            index += batch
        }
        while counters.connected.load(ordering: .relaxed) < options.clients {
            guard monotonicNanoseconds() - connectStart < 120_000_000_000 else {
                throw Failure(description: "only \(counters.connected.load(ordering: .relaxed)) of \(options.clients) clients connected")
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        let connectSeconds = Double(monotonicNanoseconds() - connectStart - pausedNanoseconds) / 1e9
        try await Task.sleep(nanoseconds: 2_000_000_000)  // let the relay settle (allocator, buffers)
        let rssAfter = ProcessStats.residentKiB(pid: relay.pid) ?? 0
        let perConnection = Double(rssAfter - rssBefore) / Double(options.clients)
        say("bench fanout: \(options.clients) websocket clients over \(options.companies) companies connected in \(fixed(connectSeconds)) s; "
            + "relay with \(relayLoops) event loop(s), \(options.clientThreads) client thread(s), \(System.coreCount) cores shared")
        var memory = "relay RSS: \(rssBefore) KiB before, \(rssAfter) KiB with \(options.clients) idle connections -> \(fixed(perConnection)) KiB per connection"
        if let halfway {
            let marginal = Double(rssAfter - halfway.kib) / Double(options.clients - halfway.clients)
            memory += "; \(fixed(marginal)) KiB per connection from \(halfway.clients) to \(options.clients) (what one more costs)"
        }
        say(memory)

        let redis = RedisClient(url: try RedisURL(parsing: options.redisURL), size: 2)
        defer { Task { await redis.shutdown() } }
        var phases: [Phase] = []
        let clientsPerCompany = (0..<options.companies).map { company in states.filter { $0.company == company }.count }
        let padding = String(repeating: "x", count: options.payloadBytes)
        var nextID = Int64.random(in: 1..<1_000) * 1_000_000_000 + 7_000_000_000_000

        // Burst.
        if options.events > 0 {
            let first = nextID
            nextID += Int64(options.events)
            let expected = (0..<options.events).reduce(0) { $0 + clientsPerCompany[$1 % options.companies] }
            let cpuBefore = ProcessStats.cpuSeconds(pid: relay.pid) ?? 0
            let ownCPUBefore = ProcessStats.cpuSeconds(pid: getpid()) ?? 0
            let baseline = counters.delivered.load(ordering: .relaxed)
            let start = monotonicNanoseconds()
            var commands: [[String]] = []
            for sequence in 0..<options.events {
                let company = sequence % options.companies
                commands.append(["PUBLISH", RoomName.company(companies[company]),
                                 message(id: first + Int64(sequence), company: companies[company], padding: padding)])
                if commands.count == 500 {
                    _ = try await redis.pipeline(commands)
                    commands.removeAll(keepingCapacity: true)
                }
            }
            if !commands.isEmpty { _ = try await redis.pipeline(commands) }
            let phase = try await collect(name: "burst", events: options.events, expected: expected, first: first, last: first + Int64(options.events),
                                          start: start, baseline: baseline, states: states, counters: counters, relay: relay, cpuBefore: cpuBefore, ownCPUBefore: ownCPUBefore)
            phases.append(phase)
            say(describe(phase, clients: options.clients))
        }

        // Fixed rate.
        if options.rate > 0 && options.seconds > 0 {
            let total = options.rate * options.seconds
            let first = nextID
            nextID += Int64(total)
            let expected = (0..<total).reduce(0) { $0 + clientsPerCompany[$1 % options.companies] }
            let cpuBefore = ProcessStats.cpuSeconds(pid: relay.pid) ?? 0
            let ownCPUBefore = ProcessStats.cpuSeconds(pid: getpid()) ?? 0
            let baseline = counters.delivered.load(ordering: .relaxed)
            let start = monotonicNanoseconds()
            var sent = 0
            while sent < total {
                let elapsed = Double(monotonicNanoseconds() - start) / 1e9
                let due = min(total, Int(elapsed * Double(options.rate)) + 1)
                var commands: [[String]] = []
                while sent < due {
                    let company = sent % options.companies
                    commands.append(["PUBLISH", RoomName.company(companies[company]),
                                     message(id: first + Int64(sent), company: companies[company], padding: padding)])
                    sent += 1
                }
                if !commands.isEmpty { _ = try await redis.pipeline(commands) }
                try await Task.sleep(nanoseconds: 1_000_000)
            }
            let phase = try await collect(name: "rate \(options.rate) events/s for \(options.seconds) s", events: total, expected: expected,
                                          first: first, last: first + Int64(total), start: start, baseline: baseline, states: states, counters: counters,
                                          relay: relay, cpuBefore: cpuBefore, ownCPUBefore: ownCPUBefore)
            phases.append(phase)
            say(describe(phase, clients: options.clients))
        }

        // End to end through the webhook function (its events get Postgres ids, far below the
        // Redis phases' synthetic ones).
        if let webhook = options.webhook, webhook.rate > 0, webhook.seconds > 0 {
            let total = webhook.rate * webhook.seconds
            let cpuBefore = ProcessStats.cpuSeconds(pid: relay.pid) ?? 0
            let ownCPUBefore = ProcessStats.cpuSeconds(pid: getpid()) ?? 0
            let baseline = counters.delivered.load(ordering: .relaxed)
            let start = monotonicNanoseconds()
            let perCompany = clientsPerCompany
            let (acceptedTotal, expected) = try await webhook.send(webhook.rate, webhook.seconds) { perCompany[$0] }
            var phase = try await collect(name: "webhook \(webhook.rate) events/s for \(webhook.seconds) s (POST sent -> client received)",
                                          events: acceptedTotal, expected: expected, first: 1, last: 1_000_000_000_000, start: start,
                                          baseline: baseline, states: states, counters: counters, relay: relay, cpuBefore: cpuBefore,
                                          ownCPUBefore: ownCPUBefore)
            phase.name += ", \(acceptedTotal) of \(total) accepted"
            phases.append(phase)
            say(describe(phase, clients: options.clients))
        }

        let metrics = (try? await SimpleHTTP.get(port: port, path: "/metrics", group: group)) ?? ""
        let slow = metrics.split(separator: "\n").first { $0.hasPrefix("slow_consumers_dropped_total ") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
        say("slow consumers dropped: \(slow); relay log: \(options.workDirectory)/bench-relay.log")
        for client in clients { client.channel.close(promise: nil) }
        relay.signal(SIGTERM)
        _ = await relay.waitForExit(timeoutMilliseconds: 5_000)
        return Result(clients: options.clients, connectSeconds: connectSeconds, relayRSSBeforeKiB: rssBefore, relayRSSAfterKiB: rssAfter,
                      rssPerConnectionKiB: perConnection, phases: phases, slowConsumersDropped: slow, lines: lines)
    }

    // MARK: helpers

    /// One event as the ingest publisher sends it: a compact event (sorted keys), with the publish
    /// time (monotonic ns) in `data.t`.
    static func message(id: Int64, company: String, padding: String) -> String {
        CompactEvent(id: id, companyID: company, creatorID: nil, type: "channel.chat.message", version: "1", source: "webhook",
                     occurredAt: "2026-01-01T00:00:00.000000Z", receivedAt: "2026-01-01T00:00:00.000000Z", broadcasterUserID: "1",
                     data: ["pad": .string(padding), "t": .int(Int64(monotonicNanoseconds()))]).jsonText
    }

    /// Waits until every expected delivery arrived (or nothing arrives for 5 s), then reads the
    /// clients' latencies on their own event loops.
    private static func collect(name: String, events: Int, expected: Int, first: Int64, last: Int64, start: UInt64, baseline: Int,
                                states: [ClientState], counters: Counters, relay: ChildProcess, cpuBefore: Double,
                                ownCPUBefore: Double) async throws -> Phase {
        var lastCount = -1
        var lastChange = monotonicNanoseconds()
        while true {
            let count = counters.delivered.load(ordering: .relaxed) - baseline
            if count >= expected { break }
            if count != lastCount {
                lastCount = count
                lastChange = monotonicNanoseconds()
            } else if monotonicNanoseconds() - lastChange > 5_000_000_000 {
                break
            }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        let finished = counters.lastArrival.load(ordering: .relaxed)
        let cpu = (ProcessStats.cpuSeconds(pid: relay.pid) ?? 0) - cpuBefore
        let ownCPU = (ProcessStats.cpuSeconds(pid: getpid()) ?? 0) - ownCPUBefore
        var latencies: [UInt32] = []
        var delivered = 0
        var outOfOrder = 0
        for state in states {
            let (values, count, disorder) = try await state.eventLoop!.submit { state.take(first: first, last: last) }.get()
            latencies += values
            delivered += count
            outOfOrder += disorder
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1000
        }
        let seconds = Double(max(finished, start + 1) - start) / 1e9
        return Phase(name: name, events: events, expectedDeliveries: expected, delivered: delivered, outOfOrder: outOfOrder, seconds: seconds,
                     deliveriesPerSecond: Double(delivered) / seconds, p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99),
                     maxMilliseconds: Double(latencies.last ?? 0) / 1000, relayCPUSeconds: cpu,
                     benchmarkCPUSeconds: ownCPU)
    }

    static func describe(_ phase: Phase, clients: Int) -> String {
        "\(phase.name): \(phase.events) events -> \(phase.delivered)/\(phase.expectedDeliveries) deliveries in \(fixed(phase.seconds)) s = "
            + "\(Int(phase.deliveriesPerSecond)) deliveries/s; latency p50 \(fixed(phase.p50Milliseconds)) ms, p99 \(fixed(phase.p99Milliseconds)) ms, "
            + "max \(fixed(phase.maxMilliseconds)) ms; lost \(phase.lost), out of order \(phase.outOfOrder); CPU: relay \(fixed(phase.relayCPUSeconds)) s, "
            + "benchmark clients+publisher \(fixed(phase.benchmarkCPUSeconds)) s"
    }

    static func fixed(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        return String(scaled)
    }

    private static func waitUntilSubscribed(port: Int, relay: ChildProcess) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        for _ in 0..<1_000 {
            if let status = relay.exitStatusIfExited() { throw Failure(description: "socket-relay exited with status \(status)") }
            if Ports.isAccepting(port: port), let text = try? await SimpleHTTP.get(port: port, path: "/metrics", group: group),
               text.contains("redis_connected 1") { return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw Failure(description: "socket-relay did not become ready on port \(port)")
    }

}

/// Completion counters shared by the client event loops.
final class Counters: Sendable {
    let connected = Atomic<Int>(0)
    let delivered = Atomic<Int>(0)
    let lastArrival = Atomic<UInt64>(0)
}

/// One benchmark client's tally, touched only on its connection's event loop.
final class ClientState: @unchecked Sendable {
    let company: Int
    var eventLoop: (any EventLoop)?
    private var connected = false
    /// (event id, latency µs) per received event.
    private var ids: [Int64] = []
    private var latencies: [UInt32] = []

    init(company: Int) {
        self.company = company
    }

    func receive(_ text: ByteBuffer, counters: Counters) {
        let now = monotonicNanoseconds()
        let parsed: (kind: UInt8, sent: Int64?, id: Int64?) = text.withUnsafeReadableBytes { bytes in
            guard bytes.count >= 2, bytes[0] == UInt8(ascii: "4") else { return (0, nil, nil) }
            guard bytes[1] == UInt8(ascii: "2") else { return (bytes[1], nil, nil) }
            // Sorted keys: `data` (holding `t`, or `bits` for the webhook phase's cheers) comes before `id`.
            guard let sent = Self.number(after: Self.timeKey, in: bytes, from: 0) ?? Self.number(after: Self.bitsKey, in: bytes, from: 0)
            else { return (bytes[1], nil, nil) }
            return (bytes[1], sent.value, Self.number(after: Self.idKey, in: bytes, from: sent.end)?.value)
        }
        if parsed.kind == UInt8(ascii: "0") {
            if !connected {
                connected = true
                counters.connected.wrappingAdd(1, ordering: .relaxed)
            }
            return
        }
        guard let sent = parsed.sent, let id = parsed.id else { return }
        ids.append(id)
        latencies.append(UInt32(clamping: (now &- UInt64(sent)) / 1_000))
        counters.delivered.wrappingAdd(1, ordering: .relaxed)
        counters.lastArrival.store(now, ordering: .relaxed)
    }

    /// Latencies, distinct count and out-of-order arrivals for ids in `first..<last`.
    func take(first: Int64, last: Int64) -> ([UInt32], Int, Int) {
        var values: [UInt32] = []
        var previous: Int64 = 0
        var disorder = 0
        var seen = Set<Int64>()
        for (index, id) in ids.enumerated() where id >= first && id < last {
            if id <= previous { disorder += 1 }
            previous = id
            if seen.insert(id).inserted { values.append(latencies[index]) }
        }
        return (values, seen.count, disorder)
    }

    static let timeKey = Array("\"t\":".utf8)
    static let bitsKey = Array("\"bits\":".utf8)
    static let idKey = Array("\"id\":".utf8)

    /// The integer after the first occurrence of `key` (`"name":`) at or after `from` that is
    /// followed by digits (a nested `"id":"1234"` string is skipped), and where it ends. `memchr`
    /// for the name's first letter (rarer than the quote), then `memcmp`: the clients share the
    /// cores with the relay, so they must stay cheap.
    static func number(after key: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> (value: Int64, end: Int)? {
        guard let base = bytes.baseAddress, key.count >= 2 else { return nil }
        let count = bytes.count
        var index = from + 1
        return key.withUnsafeBytes { needle -> (value: Int64, end: Int)? in
            while index + needle.count - 1 <= count {
                guard let hit = memchr(base + index, Int32(needle[1]), count - index - needle.count + 2) else { return nil }
                let at = base.distance(to: UnsafeRawPointer(hit)) - 1
                index = at + 2
                guard memcmp(base + at, needle.baseAddress!, needle.count) == 0 else { continue }
                var position = at + needle.count
                var value: Int64 = 0
                let start = position
                while position < count, bytes[position] >= 48, bytes[position] <= 57 {
                    value = value &* 10 &+ Int64(bytes[position] - 48)
                    position += 1
                }
                if position > start { return (value, position) }
            }
            return nil
        }
    }
}

/// A one-shot HTTP/1.1 GET over a raw connection.
enum SimpleHTTP {
    static func get(port: Int, path: String, group: any EventLoopGroup) async throws -> String {
        let client = try await RawWebSocketClient.connect(port: port, group: group, handshake: false)
        client.sendRaw(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        var bytes: [UInt8] = []
        while let frame = await client.next(timeout: 5_000) {
            if case .raw(let chunk) = frame { bytes += chunk } else { break }
        }
        await client.close()
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.firstRange(of: "\r\n\r\n") else { return "" }
        return String(text[end.upperBound...])
    }
}
