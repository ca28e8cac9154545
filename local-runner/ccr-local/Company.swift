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

struct Company: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage companies (agencies).", subcommands: [Create.self, SignIn.self])

    struct SignIn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign-in",
            abstract: "Require a company's members to sign in through one identity provider and/or with certain email domains.",
            discussion: "Without --issuer any configured provider is accepted; without --domains any email domain.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The company id.") var company: String
        @Option(help: "The identity provider's issuer URL (exactly as in its tokens).") var issuer: String?
        @Option(help: "Comma-separated email domains (agency.com,agency.co.uk).") var domains: String?

        func run() async throws {
            try await reportingErrors {
                let adminURL = try common.files.readRuntimeEnvironment()["DATABASE_ADMIN_URL"]!
                try OperatorCommands(adminURL: adminURL).setSignInRequirement(
                    companyID: company.lowercased(), issuer: issuer, domains: (domains ?? "").split(separator: ",").map(String.init))
                print("sign-in requirement set for \(company)")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a company; prints its id.",
            discussion: "--owner seeds the first owner by email: they sign in with a provider that verified that email.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The company's name.") var name: String
        @Option(help: "The email of the company's first owner.") var owner: String?

        func run() async throws {
            try await reportingErrors {
                let adminURL = try common.files.readRuntimeEnvironment()["DATABASE_ADMIN_URL"]!
                let commands = OperatorCommands(adminURL: adminURL)
                if let owner {
                    // Checked before the company exists, so a bad email leaves nothing behind.
                    _ = try commands.validatedEmail(owner)
                }
                let company = try commands.createCompany(name: name)
                if let owner { _ = try commands.addMember(companyID: company, email: owner, role: "owner") }
                print(company)
            }
        }
    }
}
