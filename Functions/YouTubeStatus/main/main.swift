import FunctionRuntime
import JobQueue
import YouTubeStatus

await JobMain.run(name: "youtube-status") { environment, logger in
    try YouTubeStatusJob.fromEnvironment(environment, logger: logger)
}
