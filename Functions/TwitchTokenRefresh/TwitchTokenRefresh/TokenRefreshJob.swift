import Logging
public import FunctionRuntime
public import JobQueue

/// Each job on `twitch-token-refresh` refreshes and validates the tokens that are due.
public struct TokenRefreshJob: JobFunction {
    let refresher: TokenRefresher

    public init(refresher: TokenRefresher) {
        self.refresher = refresher
    }

    public func handle(_ job: ClaimedJob, context: FunctionContext) async throws {
        let report = try await refresher.run()
        context.logger.info("token refresh done", metadata: ["report": "\(report)"])
    }
}
