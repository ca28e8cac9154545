import DiscordStandIn
import Logging
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

// The local stand-in for notification destinations (see DiscordStandInServer): Discord's
// Execute Webhook, Slack's incoming webhooks and a Standard Webhooks receiver, with the limits
// below (defaults: Discord's reported 5 per 2 s per webhook and 50 per s global, Slack's 1 per s).
let environment = Environment()
JSONLogHandler.bootstrap(level: environment.optional("LOG_LEVEL"))
let logger = Logger(label: "discord-stand-in")
do {
    let port = try environment.int("PORT", default: 8093, range: 0...65535)
    let host = environment.optional("HOST") ?? "127.0.0.1"
    let defaults = DiscordStandInConfiguration()
    let configuration = DiscordStandInConfiguration(
        webhookLimit: try environment.int("STAND_IN_WEBHOOK_LIMIT", default: defaults.webhookLimit, range: 1...1_000_000),
        webhookWindowSeconds: Double(try environment.int("STAND_IN_WEBHOOK_WINDOW_MS", default: 2000, range: 1...3_600_000)) / 1000,
        globalLimit: try environment.int("STAND_IN_GLOBAL_LIMIT", default: defaults.globalLimit, range: 1...1_000_000),
        globalWindowSeconds: Double(try environment.int("STAND_IN_GLOBAL_WINDOW_MS", default: 1000, range: 1...3_600_000)) / 1000,
        slackLimit: try environment.int("STAND_IN_SLACK_LIMIT", default: defaults.slackLimit, range: 1...1_000_000),
        slackWindowSeconds: Double(try environment.int("STAND_IN_SLACK_WINDOW_MS", default: 1000, range: 1...3_600_000)) / 1000)
    let server = DiscordStandInServer(configuration: configuration, logger: logger)
    try await server.run(host: host, port: port) { boundPort in
        StandardOutput.line("discord stand-in on http://\(host):\(boundPort) (discord: /api/v10/webhooks, slack: /services, "
                            + "receivers: /_receiver, control: /_stand-in, messages: /)")
    }
} catch let error as ConfigurationError {
    StandardError.write("discord-stand-in: configuration error: \(error.description)\n")
    exit(2)
} catch {
    StandardError.write("discord-stand-in: \(error)\n")
    exit(1)
}
