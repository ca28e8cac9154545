import FunctionRuntime
import JobQueue
import RumbleStatus

await JobMain.run(name: "rumble-status") { environment, logger in
    RumbleStatusJob(poller: try RumbleStatusPoller.fromEnvironment(environment, logger: logger))
}
