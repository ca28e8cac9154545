import Logging
public import BlockingIO
public import FunctionRuntime
public import JobQueue

/// Each job on `event-archive` moves every company's events past retention into the object store.
public struct EventArchiveJob: JobFunction {
    let archiver: EventArchiver
    let now: @Sendable () -> Double

    public init(archiver: EventArchiver, now: @escaping @Sendable () -> Double = wallClockSeconds) {
        self.archiver = archiver
        self.now = now
    }

    public func handle(_ job: ClaimedJob, context: FunctionContext) async throws {
        let report = try await archiver.run(now: now())
        context.logger.info("archive done", metadata: ["report": "\(report)"])
        if !report.problems.isEmpty {
            // Not retried blindly: the manifest guards the data; an operator looks at the problems.
            context.logger.error("archive found problems", metadata: ["problems": "\(report.problems)"])
        }
    }
}
