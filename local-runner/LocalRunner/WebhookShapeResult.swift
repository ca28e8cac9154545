import StructuredLogging
/// One traffic shape's numbers in `bench webhook`, and the `--table` summary over several.
struct WebhookShapeResult: Sendable {
    let shape: TrafficShape
    let closed: LoadDriver.Result
    let open: LoadDriver.Result
    /// Rows stored by the timed phases, and rows expected (sum of tracking companies over accepted).
    let stored: Int
    let expected: Int

    var exactlyOnce: Bool { stored == expected }
    var rowsPerEvent: Double { Double(stored) / Double(max(1, closed.accepted + open.accepted)) }

    static func printTable(_ results: [WebhookShapeResult], concurrency: Int, rate: Int) {
        StandardOutput.line("")
        StandardOutput.line("| companies | hot share | closed loop (\(concurrency) concurrent) events/s | p50 ms | p99 ms | open loop \(rate)/s achieved | p50 ms | p99 ms | rows/event | exactly once |")
        StandardOutput.line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for result in results {
            let closed = result.closed, open = result.open
            let cells = [
                String(result.shape.companies), fixed(result.shape.hotShare, 1),
                fixed(closed.perSecond, 0), fixed(percentile(closed.latencies, 0.5), 1), fixed(percentile(closed.latencies, 0.99), 1),
                fixed(open.perSecond, 0), fixed(percentile(open.latencies, 0.5), 1), fixed(percentile(open.latencies, 0.99), 1),
                fixed(result.rowsPerEvent, 2),
                result.exactlyOnce ? "ok" : "MISMATCH (\(result.stored) of \(result.expected))",
            ]
            StandardOutput.line("| " + cells.joined(separator: " | ") + " |")
        }
        guard let best = results.max(by: { $0.closed.perSecond < $1.closed.perSecond }),
              let worst = results.min(by: { $0.closed.perSecond < $1.closed.perSecond }), best.closed.perSecond > 0 else { return }
        let worstOpen = results.max { percentile($0.open.latencies, 0.99) < percentile($1.open.latencies, 0.99) }!
        StandardOutput.line("worst shape (\(worst.label)) \(fixed(worst.closed.perSecond, 0)) events/s = \(fixed(worst.closed.perSecond * 100 / best.closed.perSecond, 0)) % of the best shape (\(best.label)) \(fixed(best.closed.perSecond, 0)) events/s; worst open-loop p99 \(fixed(percentile(worstOpen.open.latencies, 0.99), 1)) ms (\(worstOpen.label))")
    }

    var label: String { "\(shape.companies) companies, hot share \(fixed(shape.hotShare, 1))" }
}
