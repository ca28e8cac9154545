import Files
import Processes
import Settings
import TestSupport
import Testing

/// `bench fanout`'s end-to-end phase on a small scale (debug build, its own throwaway Postgres
/// and Redis): signed cheers POSTed to the real webhook function reach every client of the
/// tracking company. Cheers reach only agencies whose creator authorized them, so the benchmark
/// must seed links; without them it had measured nothing (every delivery lost).
@Suite struct FanoutBenchCommandTests {
    @Test func webhookPhaseDeliversEveryEvent() async throws {
        guard try Prerequisite.available(RunningInstance.missing) else { return }
        let scratch = try FileSystem.temporaryDirectory(prefix: "ccr-bench-fanout-test")
        defer { FileSystem.removeTree(scratch) }
        let output = scratch + "/bench.txt"
        var environment = Environment().all
        environment["LOG_LEVEL"] = "warning"
        let status = try await ChildProcess.run(RunningInstance.ccrLocal, [
            "bench", "fanout", "--bin-dir", RunningInstance.binaryDirectory, "--data-dir", scratch + "/data",
            "--clients", "20", "--companies", "2", "--events", "20", "--rate", "20", "--seconds", "1",
            "--webhook-rate", "20", "--webhook-seconds", "1",
        ], environment: environment, outputPath: output)
        let report = FileSystem.readText(output) ?? ""
        #expect(status == 0, "bench fanout failed:\n\(report.suffix(4000))")
        let line = report.split(separator: "\n").first { $0.hasPrefix("webhook ") }.map(String.init) ?? ""
        #expect(line.contains("20 of 20 accepted"), "\(line)")
        #expect(line.contains("200/200 deliveries"), "\(line)")
        #expect(line.contains("lost 0, out of order 0"), "\(line)")
    }
}
