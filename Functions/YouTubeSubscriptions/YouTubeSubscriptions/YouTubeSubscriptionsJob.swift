public import FunctionRuntime
public import JobQueue
public import Logging
public import Settings

/// Each job on `youtube-subscriptions` (the schedule's, or one enqueued after a channel was added
/// or removed, whatever its payload) reconciles every tracked channel's subscription.
public struct YouTubeSubscriptionsJob: JobFunction {
    /// Nil in a deployment without YouTube push (`YOUTUBE_WEBSUB_CALLBACK_URL` unset): jobs are
    /// acknowledged and dropped with a warning instead of a worker failing its configuration.
    let reconciler: YouTubeSubscriptionReconciler?

    public init(reconciler: YouTubeSubscriptionReconciler?) {
        self.reconciler = reconciler
    }

    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> YouTubeSubscriptionsJob {
        guard environment.optional("YOUTUBE_WEBSUB_CALLBACK_URL") != nil else { return YouTubeSubscriptionsJob(reconciler: nil) }
        return YouTubeSubscriptionsJob(reconciler: try YouTubeSubscriptionReconciler.fromEnvironment(environment, logger: logger))
    }

    public func handle(_ job: ClaimedJob, context: FunctionContext) async throws {
        guard let reconciler else {
            context.logger.warning("youtube push is not configured (YOUTUBE_WEBSUB_CALLBACK_URL unset); job dropped", metadata: ["job": "\(job.job.id)"])
            return
        }
        let report = try await reconciler.run()
        context.logger.info("youtube subscriptions done", metadata: ["report": "\(report)"])
    }

    public func shutdown() async {
        await reconciler?.shutdown()
    }
}
