import FunctionRuntime
import JobQueue
import Notify

await JobMain.run(name: "notify") { environment, logger in
    try NotifyJob.fromEnvironment(environment, logger: logger)
}
