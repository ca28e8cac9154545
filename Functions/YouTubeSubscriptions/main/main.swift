import FunctionRuntime
import JobQueue
import YouTubeSubscriptions

await JobMain.run(name: "youtube-subscriptions") { environment, logger in
    try YouTubeSubscriptionsJob.fromEnvironment(environment, logger: logger)
}
