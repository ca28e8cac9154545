import Logging
import Settings
import StructuredLogging
import YouTubeStandIn
#if canImport(Glibc)
import Glibc
#endif

// The local YouTube stand-in (see YouTubeStandInServer: the WebSub hub and the Data API v3).
let environment = Environment()
JSONLogHandler.bootstrap(level: environment.optional("LOG_LEVEL"))
let logger = Logger(label: "youtube-stand-in")
do {
    let port = try environment.int("PORT", default: 8092, range: 0...65535)
    let host = environment.optional("HOST") ?? "127.0.0.1"
    let configuration = YouTubeStandInConfiguration(
        apiKeys: (environment.optional("YOUTUBE_API_KEY") ?? YouTubeStandInConfiguration.defaultAPIKey).split(separator: ",").map(String.init),
        dailyQuota: try environment.int("STAND_IN_DAILY_QUOTA", default: 10_000, range: 0...100_000_000),
        defaultLeaseSeconds: try environment.int("STAND_IN_LEASE_SECONDS", default: 432_000, range: 1...Int(Int32.max)),
        maximumLeaseSeconds: try environment.int("STAND_IN_MAXIMUM_LEASE_SECONDS", default: 432_000, range: 1...Int(Int32.max)),
        deliveryRetrySeconds: Double(try environment.int("STAND_IN_DELIVERY_RETRY_SECONDS", default: 30, range: 0...3600)))
    let server = YouTubeStandInServer(configuration: configuration, logger: logger)
    try await server.run(host: host, port: port) { boundPort in
        StandardOutput.line("youtube stand-in on http://\(host):\(boundPort) (hub: /subscribe, data api: /youtube/v3, control: /_stand-in)")
    }
} catch let error as ConfigurationError {
    StandardError.write("youtube-stand-in: configuration error: \(error.description)\n")
    exit(2)
} catch {
    StandardError.write("youtube-stand-in: \(error)\n")
    exit(1)
}
