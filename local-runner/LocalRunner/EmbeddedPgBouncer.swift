import Files
import Postgres
import Processes
#if canImport(Glibc)
import Glibc
#endif

/// Debian's PgBouncer in front of the embedded Postgres, as managed poolers are used in
/// production (RDS Proxy, Cloud SQL's and Supabase's poolers): database `ccr` in transaction
/// pooling mode, `ccr_session` in session mode (for code that holds advisory locks across
/// transactions: `DATABASE_SESSION_URL`). PgBouncer 1.18 keeps no named prepared statements in
/// transaction mode, so clients behind it run with `DATABASE_PREPARED_STATEMENTS=false`.
/// `local-runner/test` runs suites through it (`ccr-local with-services --pgbouncer`).
public struct EmbeddedPgBouncer: Sendable {
    public let directory: String
    public let port: Int
    let postgresPort: Int
    let database: String
    /// (role, password) pairs PgBouncer accepts and uses towards Postgres.
    let users: [(String, String)]

    public init(directory: String, port: Int, postgresPort: Int, database: String, users: [(String, String)]) {
        self.directory = directory
        self.port = port
        self.postgresPort = postgresPort
        self.database = database
        self.users = users
    }

    public static let executable = "/usr/sbin/pgbouncer"

    /// `postgresql://role:password@127.0.0.1:port/{ccr|ccr_session}`.
    public func url(user: String, password: String, session: Bool) -> String {
        "postgresql://\(user):\(password)@127.0.0.1:\(port)/\(database)\(session ? "_session" : "")"
    }

    public func launch() async throws -> SupervisedProcess {
        guard FileSystem.exists(Self.executable) else {
            throw ChildProcess.SpawnError(description: "pgbouncer not found; install it with: apt-get install -y pgbouncer")
        }
        try FileSystem.makeDirectories(directory, mode: 0o755)
        // Passwords in the auth file: PgBouncer authenticates clients with SCRAM and logs in to
        // Postgres with the same credentials.
        let userlist = users.map { "\"\($0.0)\" \"\($0.1)\"" }.joined(separator: "\n") + "\n"
        try FileSystem.writeText(userlist, to: directory + "/userlist.txt", mode: 0o600)
        try FileSystem.writeText("""
            [databases]
            \(database) = host=127.0.0.1 port=\(postgresPort) dbname=\(database) pool_mode=transaction
            \(database)_session = host=127.0.0.1 port=\(postgresPort) dbname=\(database) pool_mode=session

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = scram-sha-256
            auth_file = \(directory)/userlist.txt
            pool_mode = transaction
            max_client_conn = 1000
            default_pool_size = 40
            ; libpq clients send these; PgBouncer would refuse the connection otherwise.
            ignore_startup_parameters = extra_float_digits,options
            logfile = \(directory)/pgbouncer.log
            pidfile =
            """, to: directory + "/pgbouncer.ini", mode: 0o600)
        // PgBouncer refuses to run as root: as root, drop to the postgres user (like the server).
        let isRoot = getuid() == 0
        if isRoot {
            for file in ["", "/userlist.txt", "/pgbouncer.ini"] {
                _ = try await ChildProcess.run("/bin/chown", ["postgres:postgres", directory + file], environment: ["PATH": "/usr/bin:/bin"])
            }
        }
        let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"]
        let process = isRoot
            ? try ChildProcess(executable: "/usr/bin/setpriv", arguments: ["--reuid=postgres", "--regid=postgres", "--clear-groups", "--",
                                                                          Self.executable, directory + "/pgbouncer.ini"],
                               environment: environment, outputPath: directory + "/stdout.log")
            : try ChildProcess(executable: Self.executable, arguments: [directory + "/pgbouncer.ini"], environment: environment,
                               outputPath: directory + "/stdout.log")
        let supervised = SupervisedProcess(process, stopSignal: SIGINT, graceMilliseconds: 5_000)
        let (user, password) = users[0]
        for _ in 0..<500 {
            if let status = process.exitStatusIfExited() {
                throw ChildProcess.SpawnError(description: "pgbouncer exited at start (status \(status)); see \(directory)/pgbouncer.log")
            }
            if (try? PostgresConnection(url: url(user: user, password: password, session: false) + "?connect_timeout=2",
                                        preparesStatements: false).query("SELECT 1")) != nil {
                return supervised
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        await supervised.stop()
        throw ChildProcess.SpawnError(description: "pgbouncer did not accept connections on port \(port); see \(directory)/pgbouncer.log")
    }
}
