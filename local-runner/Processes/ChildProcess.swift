#if canImport(Glibc)
public import Glibc
#endif

/// A child process started with posix_spawn (no Foundation). Its stdout/stderr are inherited
/// unless redirected to a file, so function logs show in the runner's terminal; no other
/// descriptor is inherited.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let executable: String

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Starts `executable` (an absolute path, or a name looked up in PATH) with `arguments` and
    /// exactly `environment`. `outputPath`, when set, receives stdout and stderr (appended).
    public init(executable: String, arguments: [String] = [], environment: [String: String], outputPath: String? = nil) throws {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        if let outputPath {
            posix_spawn_file_actions_addopen(&fileActions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        // The child gets stdin/stdout/stderr and nothing else: no listening socket of the router,
        // no database connection, no lock file (which would keep a dead runner's lock held).
        InheritedDescriptors.closeAbove2(&fileActions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a Ctrl-C in the terminal reaches the runner, which then stops
        // children in order, instead of hitting every process at once.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = executable.contains("/")
            ? posix_spawn(&pid, executable, &fileActions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &fileActions, &attributes, argv, envp)
        guard status == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
        self.executable = executable
    }

    /// Sends a signal (SIGTERM asks for a graceful stop).
    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Non-blocking: the exit status if the process has ended (and reaps it), nil while it runs.
    public func exitStatusIfExited() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return result == -1 ? -1 : nil }
        return Self.decode(status)
    }

    /// Waits for the process to end, polling so no thread is parked in waitpid.
    public func waitForExit(timeoutMilliseconds: Int? = nil) async -> Int32? {
        var waited = 0
        while true {
            if let status = exitStatusIfExited() { return status }
            if let timeoutMilliseconds, waited >= timeoutMilliseconds { return nil }
            try? await Task.sleep(nanoseconds: 5_000_000)
            waited += 5
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited within the grace period.
    @discardableResult
    public func terminate(graceMilliseconds: Int = 5_000) async -> Int32 {
        signal(SIGTERM)
        if let status = await waitForExit(timeoutMilliseconds: graceMilliseconds) { return status }
        signal(SIGKILL)
        return await waitForExit() ?? -1
    }

    /// Runs a command to completion and returns its exit status (output inherited or redirected).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String], outputPath: String? = nil) async throws -> Int32 {
        let process = try ChildProcess(executable: executable, arguments: arguments, environment: environment, outputPath: outputPath)
        return await process.waitForExit() ?? -1
    }

    private static func decode(_ status: Int32) -> Int32 {
        if status & 0x7F == 0 { return (status >> 8) & 0xFF }  // WIFEXITED → WEXITSTATUS
        return 128 + (status & 0x7F)  // killed by a signal, shell-style
    }
}
