import FunctionRuntime
import FunctionServer
import YouTubeWebhook

await FunctionMain.serve(name: "youtube-webhook") { environment, logger in
    try await YouTubeWebhookConfiguration.makeFunction(environment: environment, logger: logger)
}
