import Files
public import Logging
import Processes
import Redis
#if canImport(Glibc)
import Glibc
#endif

/// A real Redis server (Debian's redis-server) in a folder of ours, on loopback, with a password.
/// Persistent instances keep an append-only file so queued jobs survive restarts.
public struct EmbeddedRedis: Sendable {
    public let dataDirectory: String
    public let port: Int
    public let password: String
    public let durable: Bool
    private let logger: Logger

    public init(dataDirectory: String, port: Int, password: String, durable: Bool = true, logger: Logger) {
        self.dataDirectory = dataDirectory
        self.port = port
        self.password = password
        self.durable = durable
        self.logger = logger
    }

    public var url: String { "redis://:\(password)@127.0.0.1:\(port)/0" }
    private var pidFile: String { dataDirectory + "/redis.pid" }

    public func start() async throws {
        try FileSystem.makeDirectories(dataDirectory, mode: 0o700)
        if isResponding() {
            logger.info("redis already running; reusing it", metadata: ["port": "\(port)"])
            return
        }
        guard let server = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first(where: FileSystem.exists) else {
            throw ChildProcess.SpawnError(description: "redis-server not found; install it with: apt-get install -y redis-server")
        }
        // The password goes in a config file, not argv, so it does not show in `ps`.
        let configPath = dataDirectory + "/redis.conf"
        var config = """
            bind 127.0.0.1
            port \(port)
            protected-mode yes
            requirepass \(password)
            dir \(dataDirectory)
            daemonize yes
            pidfile \(pidFile)
            logfile \(dataDirectory)/redis.log
            save ""

            """
        config += durable ? "appendonly yes\nappendfsync everysec\n" : "appendonly no\n"
        try FileSystem.writeText(config, to: configPath, mode: 0o600)
        let status = try await ChildProcess.run(server, [configPath], environment: ["PATH": "/usr/bin:/bin"])
        guard status == 0 else { throw ChildProcess.SpawnError(description: "redis-server failed to start (status \(status))") }
        for _ in 0..<500 {
            if isResponding() {
                logger.info("redis started", metadata: ["port": "\(port)"])
                return
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw ChildProcess.SpawnError(description: "redis did not answer on port \(port); see \(dataDirectory)/redis.log")
    }

    public func stop() async {
        guard let text = FileSystem.readText(pidFile), let pid = Int32(text.split(separator: "\n").first ?? "") else { return }
        kill(pid, SIGTERM)
        for _ in 0..<500 where kill(pid, 0) == 0 {
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    func isResponding() -> Bool {
        guard let connection = try? RedisConnection(url: RedisURL(host: "127.0.0.1", port: port, password: password), timeoutMilliseconds: 300)
        else { return false }
        return (try? connection.command(["PING"]))?.string == "PONG"
    }
}
