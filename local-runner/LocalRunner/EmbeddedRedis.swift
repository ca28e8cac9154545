import Files
public import Logging
import NIOConcurrencyHelpers
import Processes
import Redis

/// A real Redis server (Debian's redis-server) in a folder of ours, on loopback, with a password.
/// Persistent instances keep an append-only file so queued jobs survive restarts.
public final class EmbeddedRedis: Sendable {
    public let dataDirectory: String
    public let port: Int
    public let password: String
    public let durable: Bool
    private let logger: Logger
    private let started = NIOLockedValueBox<SupervisedProcess?>(nil)

    public init(dataDirectory: String, port: Int, password: String, durable: Bool = true, logger: Logger) {
        self.dataDirectory = dataDirectory
        self.port = port
        self.password = password
        self.durable = durable
        self.logger = logger
    }

    /// REDIS_URL. The user is named (`default`, the user `requirepass` sets the password of):
    /// redis-cli 7 sends `AUTH "" password` for `redis://:password@…` and is refused with NOAUTH,
    /// so the README's `redis-cli -u "$REDIS_URL"` needs it. The password is hex (no escaping).
    public var url: String { "redis://default:\(password)@127.0.0.1:\(port)/0" }
    private var pidFile: String { dataDirectory + "/redis.pid" }

    /// Starts the server as our child (not daemonized, so the supervisor sees it die) and
    /// returns once it answers PING.
    public func launch() async throws -> SupervisedProcess {
        try FileSystem.makeDirectories(dataDirectory, mode: 0o700)
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
            daemonize no
            pidfile \(pidFile)
            logfile \(dataDirectory)/redis.log
            save ""

            """
        config += durable ? "appendonly yes\nappendfsync everysec\n" : "appendonly no\n"
        try FileSystem.writeText(config, to: configPath, mode: 0o600)
        let process = try ChildProcess(executable: server, arguments: [configPath], environment: ["PATH": "/usr/bin:/bin"])
        let supervised = SupervisedProcess(process)
        for _ in 0..<1000 {
            if let status = process.exitStatusIfExited() {
                throw ChildProcess.SpawnError(description: "redis-server exited at start (status \(status)); see \(dataDirectory)/redis.log")
            }
            if isResponding() {
                logger.info("redis started", metadata: ["port": "\(port)", "pid": "\(process.pid)"])
                return supervised
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        await supervised.stop()
        throw ChildProcess.SpawnError(description: "redis did not answer on port \(port); see \(dataDirectory)/redis.log")
    }

    /// For tests that take Redis away and bring it back: `launch`, remembered for `stop`.
    public func start() async throws {
        let launched = try await launch()
        started.withLockedValue { $0 = launched }
    }

    /// Stops what `start` launched.
    public func stop() async {
        await started.withLockedValue { value in defer { value = nil }; return value }?.stop()
    }

    /// True when a Redis with our password answers on the port (one we did not start, too).
    public func isResponding() -> Bool {
        guard let connection = try? RedisConnection(url: RedisURL(host: "127.0.0.1", port: port, password: password), timeoutMilliseconds: 300)
        else { return false }
        return (try? connection.command(["PING"]))?.string == "PONG"
    }
}
