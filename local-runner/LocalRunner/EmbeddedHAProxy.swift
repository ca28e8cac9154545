import Files
import Processes
#if canImport(Glibc)
import Glibc
#endif

/// Debian's HAProxy (2.6) in front of the instances of `up --replicas N`, as the ingress is in
/// production: a child of the runner in the foreground (`-db`), so the supervisor sees it die and
/// starts it again; its configuration (`ProxyConfiguration`) and log live in the data folder.
public struct EmbeddedHAProxy: Sendable {
    public let directory: String
    public let configuration: ProxyConfiguration

    public init(directory: String, configuration: ProxyConfiguration) {
        self.directory = directory
        self.configuration = configuration
    }

    public static let executable = "/usr/sbin/haproxy"

    /// Nil when HAProxy is installed; else how to install it.
    public static var missing: String? {
        FileSystem.exists(executable) ? nil : "haproxy not found; install it with: apt-get install -y haproxy"
    }

    public var configPath: String { directory + "/haproxy.cfg" }
    public var logPath: String { directory + "/haproxy.log" }

    /// Writes the configuration, checks it (`haproxy -c`: a bad one is one readable error), starts
    /// HAProxy and returns once it accepts on the public port.
    public func launch(timeoutSeconds: Int = 20) async throws -> SupervisedProcess {
        if let missing = Self.missing { throw ChildProcess.SpawnError(description: missing) }
        let port = configuration.publicPort
        // Something else on the port would look like a proxy that started.
        if Ports.isAccepting(port: port) {
            throw ChildProcess.SpawnError(description: "port \(port) is in use; choose another --port")
        }
        try FileSystem.makeDirectories(directory, mode: 0o755)
        try FileSystem.writeText(configuration.text, to: configPath, mode: 0o644)
        let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"]
        let checkOutput = directory + "/check.out"
        FileSystem.remove(checkOutput)
        let checked = try await ChildProcess.run(Self.executable, ["-c", "-q", "-f", configPath], environment: environment, outputPath: checkOutput)
        guard checked == 0 else {
            let details = FileSystem.readText(checkOutput) ?? ""
            throw ChildProcess.SpawnError(description: "haproxy refused \(configPath) (status \(checked)): \(details)")
        }
        let process = try ChildProcess(executable: Self.executable, arguments: ["-db", "-f", configPath], environment: environment,
                                       outputPath: logPath)
        // SIGTERM is HAProxy's hard stop: it closes the tunnels at once (clients reconnect).
        let supervised = SupervisedProcess(process, stopSignal: SIGTERM, graceMilliseconds: 5_000)
        for _ in 0..<(timeoutSeconds * 500) {
            if let status = process.exitStatusIfExited() {
                throw ChildProcess.SpawnError(description: "haproxy exited at start (status \(status)); see \(logPath)")
            }
            if Ports.isAccepting(port: port) { return supervised }
            try await Task.sleep(nanoseconds: 2_000_000)
        }
        await supervised.stop()
        throw ChildProcess.SpawnError(description: "haproxy did not listen on port \(port) within \(timeoutSeconds) s; see \(logPath)")
    }
}
