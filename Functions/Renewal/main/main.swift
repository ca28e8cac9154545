import JobQueue
import SubscriptionRenewal

// Each job on `subscription-renewal` runs one full reconciliation of EventSub subscriptions.
await JobMain.run(name: "job-renewal", queue: "subscription-renewal") { environment, logger in
    let renewer = try SubscriptionRenewer.fromEnvironment(environment, logger: logger)
    return { _, context in
        let report = try await renewer.run()
        context.logger.info("renewal done", metadata: ["report": "\(report)"])
    }
}
