import Logging
public import FunctionRuntime
public import JobQueue

/// Each job on `status-reconciliation` polls Helix once for every tracked creator.
public struct StatusReconciliationJob: JobFunction {
    let reconciler: StatusReconciler

    public init(reconciler: StatusReconciler) {
        self.reconciler = reconciler
    }

    public func handle(_ job: ClaimedJob, context: FunctionContext) async throws {
        let report = try await reconciler.run()
        context.logger.info("status reconciliation done", metadata: ["report": "\(report)"])
    }
}
