import StructuredLogging
/// One traffic shape's numbers in `bench webhook`, and the `--table` summary over several.
struct WebhookShapeResult: Sendable {
    /// One timed phase's numbers, from wrk or from `LoadDriver`.
    struct Phase: Sendable {
        var perSecond: Double
        var p50: Double
        var p99: Double
        var max: Double
        var accepted: Int
        /// Requests sent (accepted or not).
        var sent: Int
        var errors: Int
        var elapsed: Double
        var generator: String

        init(_ result: LoadDriver.Result, generator: String) {
            perSecond = result.perSecond
            p50 = percentile(result.latencies, 0.5)
            p99 = percentile(result.latencies, 0.99)
            max = result.latencies.max() ?? 0
            accepted = result.accepted
            sent = result.accepted + result.errors
            errors = result.errors
            elapsed = result.elapsed
            self.generator = generator
        }

        init(_ result: WrkLoad.Result, seconds: Int) {
            perSecond = result.requestsPerSecond
            p50 = result.p50
            p99 = result.p99
            max = result.max
            accepted = result.requests - result.errors
            sent = result.requests
            errors = result.errors
            elapsed = Double(seconds)
            generator = "wrk"
        }

        var summary: String {
            "\(fixed(perSecond, 0))/s; latency p50 \(fixed(p50, 2)) ms, p99 \(fixed(p99, 2)) ms, max \(fixed(max, 2)) ms; errors \(errors)"
        }
    }

    /// What the database holds after a shape's run, against what was sent.
    struct StoredCheck: Sendable {
        var rows = 0
        var notifications = 0
        /// Stored notifications of the closed loop.
        var closedNotifications = 0
        /// Notifications whose row count is not their number of tracking companies.
        var wrongCount = 0
        /// Message ids stored that were never sent.
        var unknown = 0
        var openComplete = false
        var closedComplete = false

        var exactlyOnce: Bool { wrongCount == 0 && unknown == 0 && openComplete && closedComplete }
        var summary: String {
            exactlyOnce ? "exactly once"
                : "MISMATCH (\(wrongCount) with a wrong row count, \(unknown) never sent, open loop complete: \(openComplete), closed loop complete: \(closedComplete))"
        }
    }

    let shape: TrafficShape
    let closed: Phase
    /// The open loop on the warmed system, before the closed loop.
    let open: Phase
    /// The same open loop right after the closed loop (the burst's aftermath).
    let openAfterBurst: Phase
    let check: StoredCheck

    var exactlyOnce: Bool { check.exactlyOnce }
    var rowsPerEvent: Double { Double(check.rows) / Double(Swift.max(1, check.notifications)) }

    static func printTable(_ results: [WebhookShapeResult], concurrency: Int, rate: Int) {
        StandardOutput.line("")
        StandardOutput.line("| companies | hot share | closed loop (\(concurrency) concurrent\(results.first.map { ", " + $0.closed.generator } ?? "")) events/s | p50 ms | p99 ms | open loop \(rate)/s achieved | p50 ms | p99 ms | p99 ms right after the closed loop | rows/event | exactly once |")
        StandardOutput.line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for result in results {
            let closed = result.closed, open = result.open
            let cells = [
                String(result.shape.companies), fixed(result.shape.hotShare, 1),
                fixed(closed.perSecond, 0), fixed(closed.p50, 1), fixed(closed.p99, 1),
                fixed(open.perSecond, 0), fixed(open.p50, 1), fixed(open.p99, 1), fixed(result.openAfterBurst.p99, 1),
                fixed(result.rowsPerEvent, 2),
                result.exactlyOnce ? "ok" : result.check.summary,
            ]
            StandardOutput.line("| " + cells.joined(separator: " | ") + " |")
        }
        guard let best = results.max(by: { $0.closed.perSecond < $1.closed.perSecond }),
              let worst = results.min(by: { $0.closed.perSecond < $1.closed.perSecond }), best.closed.perSecond > 0 else { return }
        let worstOpen = results.max { $0.open.p99 < $1.open.p99 }!
        let worstAfter = results.max { $0.openAfterBurst.p99 < $1.openAfterBurst.p99 }!
        StandardOutput.line("worst shape (\(worst.label)) \(fixed(worst.closed.perSecond, 0)) events/s = \(fixed(worst.closed.perSecond * 100 / best.closed.perSecond, 0)) % of the best shape (\(best.label)) \(fixed(best.closed.perSecond, 0)) events/s; worst open-loop p99 \(fixed(worstOpen.open.p99, 1)) ms (\(worstOpen.label)), right after the closed loop \(fixed(worstAfter.openAfterBurst.p99, 1)) ms (\(worstAfter.label))")
    }

    var label: String { "\(shape.companies) companies, hot share \(fixed(shape.hotShare, 1))" }
}
