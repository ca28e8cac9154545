import Files
public import Logging
import Postgres
import Processes
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server (Debian's postgresql package) in a folder of ours, on loopback.
///
/// `persistent` clusters (local-runner/run) use password authentication and are reused across
/// runs; `throwaway` clusters (tests, benchmarks) live in a temporary folder and are deleted.
/// When the runner is root, the server runs as the `postgres` user (it refuses to run as root).
/// The server is the runner's child process, so `ProcessSupervisor` restarts it when it dies.
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

    /// The CA certificate of the server's TLS certificate (for `sslmode=verify-full
    /// sslrootcert=…` with host `localhost`), when `openssl` made one; nil without TLS.
    public var rootCertificate: String? {
        let path = tlsDirectory + "/root.crt"
        return FileSystem.exists(path) ? path : nil
    }

    private var tlsDirectory: String { dataDirectory + "/tls" }
    private var clusterDirectory: String { dataDirectory + "/cluster" }
    /// The server's own log (written by the postgres user).
    private var logFile: String { dataDirectory + "/postgres.log" }
    /// Output of initdb / pg_ctl (written by us).
    private var commandLog: String { dataDirectory + "/commands.log" }

    /// initdb on first use.
    public func prepare() async throws {
        let binaries = try Self.binaryDirectory()
        try FileSystem.makeDirectories(dataDirectory, mode: 0o700)
        if Self.isRoot { try await run("/bin/chown", ["postgres:postgres", dataDirectory]) }
        try await makeCertificates()
        guard !FileSystem.exists(clusterDirectory + "/PG_VERSION") else { return }
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

    /// Starts the server as our child (in the foreground, not daemonized by pg_ctl, so the
    /// supervisor sees it die) and returns once it accepts queries.
    public func launch() async throws -> SupervisedProcess {
        let binaries = try Self.binaryDirectory()
        var arguments = ["-D", clusterDirectory, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-k", dataDirectory,
                         "-c", "max_connections=200",
                         // A fresh cluster creates every WAL segment until checkpoints start
                         // recycling them; zero-filling each (16 MB written and fsynced in the
                         // commits' path) cost ingest 12 % and doubled the closed loop's p99 in
                         // `bench webhook`. Postgres treats the fill as an optimization only.
                         "-c", "wal_init_zero=off"]
        if !durable { arguments += ["-c", "fsync=off", "-c", "full_page_writes=off"] }
        // TLS as managed Postgres offers it: clients may ask for sslmode=verify-full.
        if rootCertificate != nil {
            arguments += ["-c", "ssl=on", "-c", "ssl_cert_file=\(tlsDirectory)/server.crt", "-c", "ssl_key_file=\(tlsDirectory)/server.key"]
        }
        let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "LC_ALL": "C"]
        // As root, setpriv drops to the postgres user and execs, so the child's pid is the postmaster's.
        let process = Self.isRoot
            ? try ChildProcess(executable: "/usr/bin/setpriv", arguments: ["--reuid=postgres", "--regid=postgres", "--clear-groups", "--",
                                                                          binaries + "/postgres"] + arguments,
                               environment: environment, outputPath: logFile)
            : try ChildProcess(executable: binaries + "/postgres", arguments: arguments, environment: environment, outputPath: logFile)
        // SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
        let supervised = SupervisedProcess(process, stopSignal: SIGINT, graceMilliseconds: 30_000)
        for _ in 0..<3000 {
            if let status = process.exitStatusIfExited() {
                throw ChildProcess.SpawnError(description: "postgres exited at start (status \(status)); see \(logFile)")
            }
            if (try? PostgresConnection(url: superuserURL + "?connect_timeout=2").query("SELECT 1")) != nil {
                logger.info("postgres started", metadata: ["port": "\(port)", "pid": "\(process.pid)", "durable": "\(durable)"])
                return supervised
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        await supervised.stop()
        throw ChildProcess.SpawnError(description: "postgres did not accept connections on port \(port) within 60 s; see \(logFile)")
    }

    /// A CA and a server certificate for `localhost` only (not 127.0.0.1: a client that connects
    /// by address fails verify-full, as it should), made once with `openssl` when it is installed.
    private func makeCertificates() async throws {
        guard !FileSystem.exists(tlsDirectory + "/server.crt"), FileSystem.exists("/usr/bin/openssl") else { return }
        try FileSystem.makeDirectories(tlsDirectory, mode: 0o700)
        let openssl = "/usr/bin/openssl", dir = tlsDirectory
        try await run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=ccr-local test CA",
                                "-keyout", dir + "/root.key", "-out", dir + "/root.crt"])
        try await run(openssl, ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                                "-keyout", dir + "/server.key", "-out", dir + "/server.csr"])
        try FileSystem.writeText("subjectAltName=DNS:localhost\n", to: dir + "/server.ext")
        try await run(openssl, ["x509", "-req", "-in", dir + "/server.csr", "-CA", dir + "/root.crt", "-CAkey", dir + "/root.key",
                                "-CAcreateserial", "-days", "3650", "-extfile", dir + "/server.ext", "-out", dir + "/server.crt"])
        try await run("/bin/chmod", ["0600", dir + "/server.key", dir + "/root.key"])
        // Clients (tests, any user) read the CA certificate.
        try await run("/bin/chmod", ["0755", dir])
        try await run("/bin/chmod", ["0644", dir + "/root.crt"])
        if Self.isRoot { try await run("/bin/chown", ["postgres:postgres", dir + "/server.key", dir + "/server.crt"]) }
    }

    /// True when a server (ours from an earlier run, or anyone's) runs on this cluster.
    public func isRunning() async -> Bool {
        guard let binaries = try? Self.binaryDirectory() else { return false }
        return await isRunning(binaries)
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
        // Output (openssl's progress dots) goes to the command log, not the runner's terminal.
        let status = try await ChildProcess.run(executable, arguments, environment: ["PATH": "/usr/bin:/bin"], outputPath: commandLog)
        guard status == 0 else { throw ChildProcess.SpawnError(description: "\(executable) failed with status \(status)") }
    }
}
