import JSONValue
import Files
import BlockingIO
import JobQueue
public import Logging
import Processes
import Redis
import Settings
import StructuredLogging

/// `local-runner/run bench queue`: no-op jobs through enqueue → one worker process → ack, and a
/// job worker's cold start (process start on a non-empty queue → first job done).
public struct QueueBenchmark: Sendable {
    let jobs: Int
    let batch: Int
    let logger: Logger

    public init(jobs: Int, batch: Int, logger: Logger) {
        self.jobs = jobs
        self.batch = batch
        self.logger = logger
    }

    public func run() async throws {
        let stack = try ServiceStack(mode: .throwaway(durable: true), environment: Environment([:]), logger: logger)
        let runtime = try await stack.start()
        do {
            let redis = try RedisConnection(url: try RedisURL(parsing: runtime.redisURL), readTimeout: false)
            let environment = ["REDIS_URL": runtime.redisURL, "PATH": "/usr/bin:/bin", "LOG_LEVEL": "error"]

            let queue = JobQueue(name: "bench-noop")
            try queue.ensureGroup(on: redis)
            let enqueueStart = monotonicNanoseconds()
            var remaining = jobs
            while remaining > 0 {
                let count = min(1_000, remaining)
                try queue.enqueueMany(Array(repeating: [:], count: count), on: redis)
                remaining -= count
            }
            let enqueueSeconds = Double(monotonicNanoseconds() - enqueueStart) / 1e9
            let start = monotonicNanoseconds()
            let worker = try ChildProcess(executable: FileSystem.currentExecutable(), arguments: [
                "serve-worker", "--queue", queue.name, "--mode", "noop", "--batch", String(batch), "--idle-exit-seconds", "1"],
                environment: environment)
            while try queue.stats(on: redis).done < jobs {
                if worker.exitStatusIfExited() != nil { throw OperatorCommands.Failure(description: "bench worker exited early") }
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            let seconds = Double(monotonicNanoseconds() - start) / 1e9
            _ = await worker.waitForExit(timeoutMilliseconds: 10_000)
            StandardOutput.line("bench queue: \(jobs) no-op jobs enqueued at \(fixed(Double(jobs) / enqueueSeconds, 0))/s (pipelined); one worker process (batch \(batch)): \(fixed(Double(jobs) / seconds, 0)) jobs/s enqueue → run → ack, including its start")

            var coldStarts: [Double] = []
            for round in 0..<5 {
                let coldQueue = JobQueue(name: "bench-cold-\(round)")
                try coldQueue.ensureGroup(on: redis)
                try coldQueue.enqueue(["first": true], on: redis)
                let began = monotonicNanoseconds()
                let process = try ChildProcess(executable: FileSystem.currentExecutable(), arguments: [
                    "serve-worker", "--queue", coldQueue.name, "--mode", "noop", "--idle-exit-seconds", "1"], environment: environment)
                while try coldQueue.stats(on: redis).done < 1 { try await Task.sleep(nanoseconds: 200_000) }
                coldStarts.append(Double(monotonicNanoseconds() - began) / 1e6)
                await process.terminate()
            }
            StandardOutput.line("worker cold start (process start → first job done), 5 runs: median \(fixed(percentile(coldStarts, 0.5))) ms, min \(fixed(coldStarts.min() ?? 0)) ms, max \(fixed(coldStarts.max() ?? 0)) ms")
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }
}
