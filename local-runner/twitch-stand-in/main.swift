import Logging
import Settings
import StructuredLogging
import TwitchStandIn
#if canImport(Glibc)
import Glibc
#endif

// The local Twitch stand-in (see TwitchStandInServer for the endpoints). It accepts exactly the
// configured client credentials, so the product runs unchanged against it.
let environment = Environment()
JSONLogHandler.bootstrap(level: environment.optional("LOG_LEVEL"))
let logger = Logger(label: "twitch-stand-in")
do {
    let port = try environment.int("PORT", default: 8090, range: 0...65535)
    let host = environment.optional("HOST") ?? "127.0.0.1"
    let configuration = StandInConfiguration(
        clientID: environment.optional("TWITCH_CLIENT_ID") ?? StandInConfiguration.defaultClientID,
        clientSecret: environment.optional("TWITCH_CLIENT_SECRET") ?? StandInConfiguration.defaultClientSecret,
        tokenLifetimeSeconds: try environment.int("STAND_IN_TOKEN_LIFETIME_SECONDS", default: 5_011_271, range: 1...Int(Int32.max)),
        rateLimitPointsPerMinute: try environment.int("STAND_IN_RATE_LIMIT_POINTS", default: 800, range: 1...1_000_000),
        subscriptionPageSize: try environment.int("STAND_IN_SUBSCRIPTION_PAGE_SIZE", default: 100, range: 1...1000),
        defaultDeliverySecret: environment.optional("TWITCH_EVENTSUB_SECRET"),
        // Comma-separated registered OAuth Redirect URLs; none: any http(s) redirect_uri is taken.
        redirectURIs: (environment.optional("STAND_IN_REDIRECT_URIS") ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty },
        userTokenLifetimeSeconds: try environment.int("STAND_IN_USER_TOKEN_LIFETIME_SECONDS", default: 14_124, range: 1...Int(Int32.max)))
    let server = TwitchStandInServer(configuration: configuration, logger: logger)
    try await server.run(host: host, port: port) { boundPort in
        StandardOutput.line("twitch stand-in on http://\(host):\(boundPort) (helix: /helix, oauth: /oauth2, control: /_stand-in)")
    }
} catch let error as ConfigurationError {
    StandardError.write("twitch-stand-in: configuration error: \(error.description)\n")
    exit(2)
} catch {
    StandardError.write("twitch-stand-in: \(error)\n")
    exit(1)
}
