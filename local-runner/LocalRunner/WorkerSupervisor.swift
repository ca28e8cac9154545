import BlockingIO
import JobQueue
public import Logging
import NIOConcurrencyHelpers
import Processes
public import Redis

/// Starts a job function's worker process when its queue has work and none is running — what
/// KEDA's Redis scaler does in production (min replicas 0). Workers exit by themselves after
/// an idle period, which is the scale to zero.
public final class WorkerSupervisor: Sendable {
    let table: JobTable
    let redis: RedisClient
    let binaryDirectory: String
    let environment: [String: String]
    let logger: Logger
    private let running = NIOLockedValueBox<[String: ChildProcess]>([:])

    public init(table: JobTable, redis: RedisClient, binaryDirectory: String, environment: [String: String], logger: Logger) {
        self.table = table
        self.redis = redis
        self.binaryDirectory = binaryDirectory
        self.environment = environment
        self.logger = logger
    }

    /// Polls every 500 ms until cancelled.
    public func run() async {
        while !Task.isCancelled {
            for job in table.jobs {
                reapIfExited(job.function)
                guard running.withLockedValue({ $0[job.function] == nil }) else { continue }
                let queue = JobQueue(name: job.queue)
                guard (try? await redis.withConnection({ try queue.hasWork(on: $0) })) == true else { continue }
                do {
                    let began = monotonicNanoseconds()
                    let process = try ChildProcess(executable: "\(binaryDirectory)/\(job.function)", environment: environment)
                    running.withLockedValue { $0[job.function] = process }
                    logger.info("queue has work; worker started", metadata: [
                        "queue": "\(job.queue)", "function": "\(job.function)", "pid": "\(process.pid)",
                        "spawnMs": "\(Double(monotonicNanoseconds() - began) / 1e6)"])
                } catch {
                    logger.error("cannot start worker", metadata: ["function": "\(job.function)", "error": "\(error)"])
                }
            }
            try? await Task.sleep(nanoseconds: 500_000_000)
        }
    }

    public func stopAll() async {
        let processes = running.withLockedValue { running -> [ChildProcess] in
            defer { running.removeAll() }
            return Array(running.values)
        }
        for process in processes { await process.terminate(graceMilliseconds: 10_000) }
    }

    private func reapIfExited(_ function: String) {
        running.withLockedValue { running in
            if let process = running[function], let status = process.exitStatusIfExited() {
                running[function] = nil
                if status != 0 { logger.warning("worker exited with an error", metadata: ["function": "\(function)", "status": "\(status)"]) }
            }
        }
    }
}
