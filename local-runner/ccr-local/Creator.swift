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
    static let configuration = CommandConfiguration(abstract: "Manage tracked creators.", subcommands: [Add.self, Link.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Track a Twitch creator for a company; prints the creator id.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The company id.") var company: String
        @Option(help: "Twitch's numeric user id.") var twitchUserId: String
        @Option(help: "The Twitch login.") var login: String
        @Option(help: "Display name (defaults to the login).") var displayName: String?
        @Flag(help: "Also link the creator's Twitch account through the running instance's Twitch stand-in (see `creator link`).")
        var link = false

        func run() async throws {
            try await reportingErrors {
                let runtime = try common.files.readRuntimeEnvironment()
                let id = try OperatorCommands(adminURL: runtime["DATABASE_ADMIN_URL"]!).addCreator(
                    companyID: company, twitchUserID: twitchUserId, login: login, displayName: displayName)
                if link { try await Link.linker(runtime).link(companyID: company, creatorID: id) }
                print(id)
            }
        }
    }

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Link a creator's Twitch account on the running instance, as the creator would through the link page (approved at the Twitch stand-in).")
        @OptionGroup var common: CommonOptions
        @Option(help: "The company id.") var company: String
        @Option(help: "The creator id.") var creator: String

        static func linker(_ runtime: [String: String]) throws -> CreatorLinker {
            guard let router = runtime["ROUTER_URL"], let standIn = runtime["TWITCH_STAND_IN_URL"] else {
                throw OperatorCommands.Failure(description: "linking needs a running instance with the Twitch stand-in (local-runner/run up)")
            }
            return CreatorLinker(adminURL: runtime["DATABASE_ADMIN_URL"]!, routerURL: router, standInURL: standIn)
        }

        func run() async throws {
            try await reportingErrors {
                try await Self.linker(try common.files.readRuntimeEnvironment()).link(companyID: company, creatorID: creator)
                print("linked")
            }
        }
    }
}
