import Logging
public import FunctionRuntime
public import JobQueue

/// Each job on `subscription-renewal` runs one full reconciliation of EventSub subscriptions.
public struct SubscriptionRenewalJob: JobFunction {
    let renewer: SubscriptionRenewer

    public init(renewer: SubscriptionRenewer) {
        self.renewer = renewer
    }

    public func handle(_ job: ClaimedJob, context: FunctionContext) async throws {
        let report = try await renewer.run()
        context.logger.info("renewal done", metadata: ["report": "\(report)"])
    }
}
