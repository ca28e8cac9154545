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

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an access token signed by the local development key.",
        discussion: """
            Memberships are the source of truth: the token is for a member, so --user is made a member of \
            the company with --role first (an operator action, like `company create --owner`). Removing \
            or demoting that member later takes effect on the token within seconds.
            """)
    @OptionGroup var common: CommonOptions
    @Option(help: "The company id.") var company: String
    @Option(help: "owner, admin, operator or viewer.") var role: String
    @Option(help: "The member's email.") var user = "dev@localhost"
    @Option(help: "Lifetime in seconds.") var ttl = 3600

    func run() async throws {
        try await reportingErrors {
            guard let parsedRole = Role(rawValue: role) else {
                throw OperatorCommands.Failure(description: "--role must be owner, admin, operator or viewer (got \(role))")
            }
            guard ttl > 0, ttl <= 30 * 86_400 else { throw OperatorCommands.Failure(description: "--ttl must be 1 to 2592000 seconds") }
            guard company.count == 36 else { throw OperatorCommands.Failure(description: "--company must be a company id (UUID)") }
            let adminURL = try common.files.readRuntimeEnvironment()["DATABASE_ADMIN_URL"]!
            let member = try OperatorCommands(adminURL: adminURL).addMember(companyID: company.lowercased(), email: user, role: parsedRole.rawValue)
            let keys = try DevelopmentKeys.loadOrCreate(in: common.files.dataDirectory)
            print(try keys.signer.token(subject: member, companyID: company.lowercased(), role: parsedRole,
                                        email: user.lowercased(), now: wallClockSeconds(), ttlSeconds: Double(ttl)))
        }
    }
}
