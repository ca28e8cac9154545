import Files
public import Logging
import Processes
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server (Debian's postgresql package) in a folder of ours, on loopback.
///
/// `persistent` clusters (local-runner/run) use password authentication and are reused across
/// runs; `throwaway` clusters (tests, benchmarks) live in a temporary folder and are deleted.
/// When the runner is root, the server runs as the `postgres` user (it refuses to run as root).
public struct EmbeddedPostgres: Sendable {
    public let dataDirectory: String
    public let port: Int
    public let superuserPassword: String
    public let durable: Bool
    private let logger: Logger

    public init(dataDirectory: String, port: Int, superuserPassword: String, durable: Bool = true, logger: Logger) {
        self.dataDirectory = dataDirectory
        self.port = port
        self.superuserPassword = superuserPassword
        self.durable = durable
        self.logger = logger
    }

    public var superuserURL: String {
        "postgresql://postgres:\(superuserPassword)@127.0.0.1:\(port)/postgres"
    }

    private var clusterDirectory: String { dataDirectory + "/cluster" }
    /// The server's own log (written by the postgres user).
    private var logFile: String { dataDirectory + "/postgres.log" }
    /// Output of initdb / pg_ctl (written by us).
    private var commandLog: String { dataDirectory + "/commands.log" }

    /// initdb on first use, then start (or keep, if this cluster is already running).
    public func start() async throws {
        let binaries = try Self.binaryDirectory()
        try FileSystem.makeDirectories(dataDirectory, mode: 0o700)
        if Self.isRoot { try await run("/bin/chown", ["postgres:postgres", dataDirectory]) }
        if !FileSystem.exists(clusterDirectory + "/PG_VERSION") {
            let passwordFile = dataDirectory + "/.pwfile"
            try FileSystem.writeText(superuserPassword + "\n", to: passwordFile, mode: 0o600)
            if Self.isRoot { try await run("/bin/chown", ["postgres:postgres", passwordFile]) }
            logger.info("initializing postgres cluster", metadata: ["dir": "\(clusterDirectory)"])
            try await runAsOwner(binaries + "/initdb", [
                "-D", clusterDirectory, "-U", "postgres", "--pwfile=\(passwordFile)", "-E", "UTF8", "--locale=C",
                "--auth-local=peer", "--auth-host=scram-sha-256",
            ])
            FileSystem.remove(passwordFile)
        }
        if await isRunning(binaries) {
            logger.info("postgres already running; reusing it", metadata: ["port": "\(port)"])
            return
        }
        var options = "-p \(port) -c listen_addresses=127.0.0.1 -k \(dataDirectory) -c max_connections=200"
        if !durable { options += " -c fsync=off -c full_page_writes=off" }
        try await runAsOwner(binaries + "/pg_ctl", ["-D", clusterDirectory, "-l", logFile, "-w", "-t", "60", "-o", options, "start"])
        logger.info("postgres started", metadata: ["port": "\(port)", "durable": "\(durable)"])
    }

    public func stop() async {
        guard let binaries = try? Self.binaryDirectory() else { return }
        _ = try? await runAsOwner(binaries + "/pg_ctl", ["-D", clusterDirectory, "-m", "fast", "-w", "stop"], check: false)
    }

    public func isRunning(_ binaries: String) async -> Bool {
        (try? await runAsOwner(binaries + "/pg_ctl", ["-D", clusterDirectory, "status"], check: false, quiet: true)) == 0
    }

    /// The newest installed server version's bin directory.
    public static func binaryDirectory() throws -> String {
        for version in (12...20).reversed() where FileSystem.exists("/usr/lib/postgresql/\(version)/bin/postgres") {
            return "/usr/lib/postgresql/\(version)/bin"
        }
        throw ChildProcess.SpawnError(description: "PostgreSQL server not found; install it with: apt-get install -y postgresql")
    }

    static var isRoot: Bool { getuid() == 0 }

    @discardableResult
    private func runAsOwner(_ executable: String, _ arguments: [String], check: Bool = true, quiet: Bool = false) async throws -> Int32 {
        let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "LC_ALL": "C"]
        let output = quiet ? "/dev/null" : commandLog
        let status: Int32
        if Self.isRoot {
            status = try await ChildProcess.run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments,
                                                environment: environment, outputPath: output)
        } else {
            status = try await ChildProcess.run(executable, arguments, environment: environment, outputPath: output)
        }
        if check && status != 0 {
            throw ChildProcess.SpawnError(description: "\(executable) \(arguments.first ?? "") failed with status \(status); see \(commandLog) and \(logFile)")
        }
        return status
    }

    private func run(_ executable: String, _ arguments: [String]) async throws {
        let status = try await ChildProcess.run(executable, arguments, environment: ["PATH": "/usr/bin:/bin"])
        guard status == 0 else { throw ChildProcess.SpawnError(description: "\(executable) failed with status \(status)") }
    }
}
