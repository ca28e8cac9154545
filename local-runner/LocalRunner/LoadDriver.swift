import NIOHTTP1
import AsyncHTTPClient
import BlockingIO
import NIOConcurrencyHelpers
import NIOCore

/// Drives HTTP load for the benchmarks: `concurrency` workers send back to back (closed loop), or
/// with `rate`, on a fixed schedule (open loop). Open-loop latency counts from the request's
/// scheduled send time, not from when a worker got to it, so a backlog (server slower than the
/// rate, all workers busy) shows up as latency instead of hiding as a lower rate.
struct LoadDriver: Sendable {
    struct Result: Sendable {
        var accepted = 0
        var errors = 0
        /// Sum of the weights of accepted requests (the webhook benchmark counts expected rows).
        var weight = 0
        var latencies: [Double] = []
        var elapsed = 0.0

        var perSecond: Double { elapsed > 0 ? Double(accepted) / elapsed : 0 }

        func summary() -> String {
            "\(fixed(perSecond, 0))/s; latency p50 \(fixed(percentile(latencies, 0.5), 2)) ms, p99 \(fixed(percentile(latencies, 0.99), 2)) ms, max \(fixed(latencies.max() ?? 0, 2)) ms; errors \(errors)"
        }
    }

    let client: HTTPClient

    static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 1024)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// `next` makes each request and its weight (nil: none left, the worker stops early); a 2xx counts as accepted.
    func run(concurrency: Int, seconds: Int, rate: Int?, next: @escaping @Sendable () -> (HTTPClientRequest, Int)?) async throws -> Result {
        let began = monotonicNanoseconds()
        let deadline = began + UInt64(seconds) * 1_000_000_000
        let interval = rate.map { UInt64(1_000_000_000 / max(1, $0)) }
        let ticket = NIOLockedValueBox<UInt64>(0)
        let client = self.client
        var total = try await withThrowingTaskGroup(of: Result.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var result = Result()
                    while true {
                        var scheduled: UInt64?
                        if let interval {
                            let slot = ticket.withLockedValue { value -> UInt64 in value += 1; return value - 1 }
                            let due = began + slot * interval
                            if due >= deadline { break }
                            let now = monotonicNanoseconds()
                            if due > now { try await Task.sleep(nanoseconds: due - now) }
                            scheduled = due
                        } else if monotonicNanoseconds() >= deadline {
                            break
                        }
                        guard let item = next() else { break }
                        let (request, weight) = item
                        let start = scheduled ?? monotonicNanoseconds()
                        do {
                            let response = try await client.execute(request, timeout: .seconds(30))
                            _ = try await response.body.collect(upTo: 16 << 20)
                            if (200..<300).contains(Int(response.status.code)) {
                                result.accepted += 1
                                result.weight += weight
                                result.latencies.append(Double(monotonicNanoseconds() - start) / 1e6)
                            } else {
                                result.errors += 1
                            }
                        } catch {
                            result.errors += 1
                        }
                    }
                    return result
                }
            }
            var total = Result()
            for try await part in group {
                total.accepted += part.accepted
                total.errors += part.errors
                total.weight += part.weight
                total.latencies += part.latencies
            }
            return total
        }
        total.elapsed = Double(monotonicNanoseconds() - began) / 1e9
        return total
    }
}

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
}

/// A number with a fixed count of decimals, without Foundation's String(format:).
func fixed(_ value: Double, _ decimals: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if decimals == 0, text.hasSuffix(".0") { text.removeLast(2) }
    if decimals > 0, let dot = text.firstIndex(of: ".") {
        let have = text.distance(from: dot, to: text.endIndex) - 1
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
    }
    return text
}
