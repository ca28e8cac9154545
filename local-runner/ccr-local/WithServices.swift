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

/// Used by local-runner/test: throwaway Postgres and Redis on free loopback ports, a command run
/// with their URLs in its environment, then everything stopped and deleted.
struct WithServices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "with-services", abstract: "Run a command next to throwaway Postgres and Redis.", shouldDisplay: false)
    @Flag(help: "Put PgBouncer (transaction pooling) between the tests and Postgres, with DATABASE_PREPARED_STATEMENTS=false.")
    var pgbouncer = false
    @Argument(parsing: .captureForPassthrough) var command: [String] = []

    func run() async throws {
        let logger = makeLogger("local-runner")
        var arguments = command
        if arguments.first == "--" { arguments.removeFirst() }
        guard let executable = arguments.first else {
            StandardError.write("local-runner: error: with-services needs a command after --\n")
            throw ExitCode(2)
        }
        var status: Int32 = 1
        try await reportingErrors {
            let stack = try ServiceStack(mode: .throwaway(durable: false), environment: Environment([:]), logger: logger)
            do {
                let runtime = try await stack.start()
                var environment = Environment().all
                environment["CCR_TEST_DATABASE_URL"] = runtime.databaseURL
                environment["CCR_TEST_DATABASE_ADMIN_URL"] = runtime.databaseAdminURL
                environment["CCR_TEST_PG_SUPERUSER_URL"] = runtime.superuserURL
                environment["CCR_TEST_REDIS_URL"] = runtime.redisURL
                if let certificate = stack.postgresRootCertificate { environment["CCR_TEST_PG_ROOT_CERT"] = certificate }
                if pgbouncer {
                    // The app role goes through the pooler as in production; owner and superuser
                    // (migrations, fixtures) connect directly.
                    let urls = try await stack.startPgBouncer()
                    environment["CCR_TEST_DATABASE_URL"] = urls.transaction
                    environment["CCR_TEST_DATABASE_SESSION_URL"] = urls.session
                    environment["CCR_TEST_PGBOUNCER"] = "1"
                    environment["DATABASE_PREPARED_STATEMENTS"] = "false"
                }
                status = try await runForeground(executable, Array(arguments.dropFirst()), environment: environment)
            } catch {
                await stack.stop()
                throw error
            }
            await stack.stop()
        }
        throw ExitCode(status)
    }
}
