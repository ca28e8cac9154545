import FunctionRuntime
import JobQueue
import StatusReconciliation

await JobMain.run(name: "status-reconciliation") { environment, logger in
    StatusReconciliationJob(reconciler: try StatusReconciler.fromEnvironment(environment, logger: logger))
}
