import FunctionRuntime
import FunctionServer
import TwitchWebhook

await FunctionMain.serve(name: "twitch-webhook") { environment, logger in
    try await WebhookConfiguration.makeFunction(environment: environment, logger: logger)
}
