public import FunctionRuntime
public import JobQueue
public import Logging
public import Settings

/// Each job on `youtube-status` is a push to check (`YouTubeCheckRequest`) or, for the
/// schedule's job and any other payload, the re-check of live channels.
public struct YouTubeStatusJob: JobFunction {
    /// Nil in a deployment without YouTube (`YOUTUBE_API_KEY` unset): jobs are acknowledged and
    /// dropped with a warning instead of a worker failing its configuration every minute.
    let checker: YouTubeStatusChecker?

    public init(checker: YouTubeStatusChecker?) {
        self.checker = checker
    }

    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> YouTubeStatusJob {
        guard environment.optional("YOUTUBE_API_KEY") != nil else { return YouTubeStatusJob(checker: nil) }
        return YouTubeStatusJob(checker: try YouTubeStatusChecker.fromEnvironment(environment, logger: logger))
    }

    public func handle(_ job: ClaimedJob, context: FunctionContext) async throws {
        guard let checker else {
            context.logger.warning("youtube is not configured (YOUTUBE_API_KEY unset); job dropped", metadata: ["job": "\(job.job.id)"])
            return
        }
        let report: YouTubeStatusReport
        if let check = YouTubeCheckRequest.check(in: job.job.payload) {
            report = try await checker.check(check)
        } else {
            report = try await checker.recheck()
        }
        context.logger.info("youtube status done", metadata: ["report": "\(report)"])
    }

    public func shutdown() async {
        await checker?.shutdown()
    }
}
