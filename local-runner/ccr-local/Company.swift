import ArgumentParser
import JobQueue
import Redis
import Auth
import BlockingIO
import Logging
import LocalRunner
import Router
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

struct Company: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage companies (agencies).", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a company; prints its id.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The company's name.") var name: String

        func run() async throws {
            try await reportingErrors {
                let adminURL = try common.files.readRuntimeEnvironment()["DATABASE_ADMIN_URL"]!
                print(try OperatorCommands(adminURL: adminURL).createCompany(name: name))
            }
        }
    }
}
