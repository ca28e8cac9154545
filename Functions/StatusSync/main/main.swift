import JobQueue
import StatusReconciliation

// Each job on `status-reconciliation` polls Helix once for every tracked creator.
await JobMain.run(name: "job-status", queue: "status-reconciliation") { environment, logger in
    let reconciler = try StatusReconciler.fromEnvironment(environment, logger: logger)
    return { _, context in
        let report = try await reconciler.run()
        context.logger.info("status reconciliation done", metadata: ["report": "\(report)"])
    }
}
