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

struct Creator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage tracked creators.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Track a Twitch creator for a company; prints the creator id.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The company id.") var company: String
        @Option(help: "Twitch's numeric user id.") var twitchUserId: String
        @Option(help: "The Twitch login.") var login: String
        @Option(help: "Display name (defaults to the login).") var displayName: String?

        func run() async throws {
            try await reportingErrors {
                let adminURL = try common.files.readRuntimeEnvironment()["DATABASE_ADMIN_URL"]!
                print(try OperatorCommands(adminURL: adminURL).addCreator(
                    companyID: company, twitchUserID: twitchUserId, login: login, displayName: displayName))
            }
        }
    }
}
