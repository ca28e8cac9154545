import JSONValue
import Logging
public import FunctionRuntime
public import JobQueue

/// A job on `subscription-renewal`: with `{"twitchUserIds":[…]}` (a creator was added, linked,
/// unlinked or removed; `RenewalRequest`) it reconciles only those users' subscriptions, which
/// takes one short listing per user; without, one full reconciliation (the scheduled run).
public struct SubscriptionRenewalJob: JobFunction {
    let renewer: SubscriptionRenewer

    public init(renewer: SubscriptionRenewer) {
        self.renewer = renewer
    }

    public func handle(_ job: ClaimedJob, context: FunctionContext) async throws {
        let users = RenewalRequest.twitchUserIDs(in: job.job.payload)
        let run = users.map { renewer.scoped(to: $0) } ?? renewer
        let report = try await run.run()
        context.logger.info("renewal done", metadata: ["report": "\(report)", "users": "\(users.map { "\($0.count)" } ?? "all")"])
    }
}
