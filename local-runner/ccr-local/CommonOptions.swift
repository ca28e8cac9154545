import Files
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

struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Project-local data folder (gitignored; default $CCR_DATA_DIR, else local-runner/.data).")
    var dataDir = Environment().optional("CCR_DATA_DIR") ?? "local-runner/.data"

    @Option(name: .long, help: "Folder with the built function executables.")
    var binDir = ".build/release"

    @Option(name: .long, help: "The route table.")
    var routes = "infra/routes.json"

    @Option(name: .long, help: "The scheduled jobs table.")
    var jobs = "infra/jobs.json"

    var files: InstanceFiles { InstanceFiles(dataDirectory: absolute(dataDir)) }
}

/// `--database-tls`, for the benchmarks that start functions against the embedded Postgres.
struct DatabaseTLSOption: ParsableArguments {
    @Flag(help: "Connect the functions to Postgres over TLS (sslmode=require), as across a network; default plain TCP on loopback.")
    var databaseTLS = false
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileSystem.currentDirectory() + "/" + path
}

func makeLogger(_ label: String) -> Logger {
    JSONLogHandler.bootstrap(level: Environment().optional("LOG_LEVEL"))
    return Logger(label: label)
}

/// Runs `body`, turning any error into one readable line and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CleanExit {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        StandardError.write("local-runner: error: \(error)\n")
        throw ExitCode(1)
    }
}
