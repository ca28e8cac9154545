import FunctionRuntime
import JobQueue
import TwitchTokenRefresh

await JobMain.run(name: "twitch-token-refresh") { environment, logger in
    TokenRefreshJob(refresher: try TokenRefresher.fromEnvironment(environment, logger: logger))
}
