import BlockingIO
import EventArchive
import JobQueue

// Each job on `archive` moves every company's events past retention into the object store.
await JobMain.run(name: "job-archive", queue: "archive") { environment, logger in
    let archiver = try EventArchiver.fromEnvironment(environment, logger: logger)
    return { _, context in
        let report = try await archiver.run(now: wallClockSeconds())
        context.logger.info("archive done", metadata: ["report": "\(report)"])
        if !report.problems.isEmpty {
            // Not retried blindly: the manifest guards the data; an operator looks at the problems.
            context.logger.error("archive found problems", metadata: ["problems": "\(report.problems)"])
        }
    }
}
