import Logging
import RumbleStandIn
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

// The local Rumble stand-in (see RumbleStandInServer: the Live Stream API with per-account keys).
let environment = Environment()
JSONLogHandler.bootstrap(level: environment.optional("LOG_LEVEL"))
let logger = Logger(label: "rumble-stand-in")
do {
    let port = try environment.int("PORT", default: 8093, range: 0...65535)
    let host = environment.optional("HOST") ?? "127.0.0.1"
    let limit = try environment.int("STAND_IN_REQUESTS_PER_MINUTE", default: 0, range: 0...1_000_000)
    let server = RumbleStandInServer(configuration: RumbleStandInConfiguration(requestsPerMinute: limit == 0 ? nil : limit), logger: logger)
    try await server.run(host: host, port: port) { boundPort in
        StandardOutput.line("rumble stand-in on http://\(host):\(boundPort) (api: \(RumbleStandInServer.dataPath)?key=…, control: /_stand-in)")
    }
} catch let error as ConfigurationError {
    StandardError.write("rumble-stand-in: configuration error: \(error.description)\n")
    exit(2)
} catch {
    StandardError.write("rumble-stand-in: \(error)\n")
    exit(1)
}
