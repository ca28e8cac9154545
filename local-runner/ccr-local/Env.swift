import ArgumentParser
import JobQueue
import Redis
import AccessTokens
import BlockingIO
import Logging
import LocalRunner
import Router
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

struct Env: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the running instance's environment as KEY=VALUE lines.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await reportingErrors {
            let values = try common.files.readRuntimeEnvironment()
            for key in ["DATABASE_URL", "DATABASE_ADMIN_URL", "REDIS_URL", "ROUTER_URL", "RELAY_URL", "TWITCH_STAND_IN_URL", "DISCORD_STAND_IN_URL", "TWITCH_EVENTSUB_SECRET"] {
                if let value = values[key] { print("\(key)=\(value)") }
            }
        }
    }
}
