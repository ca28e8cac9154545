import FunctionRuntime
import WebhookFunction

await FunctionMain.serve(name: "twitch-webhook") { environment, logger in
    try await WebhookConfiguration.makeFunction(environment: environment, logger: logger)
}
