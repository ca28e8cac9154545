import BlockingIO
public import Logging
import NIOConcurrencyHelpers
import Processes
#if canImport(Glibc)
import Glibc
#endif

/// One function's process, started on demand and stopped when idle: what Knative / Cloud Run do
/// in production (scale from and to zero), done locally with posix_spawn.
public actor FunctionInstance {
    public let name: String
    public let executablePath: String
    private let environment: [String: String]
    private let logger: Logger
    private let startTimeoutMilliseconds: Int

    private var process: ChildProcess?
    private var starting: Task<Int, any Error>?
    /// What every request touches, behind a lock instead of the actor so a request to a running
    /// process costs no task hop: the port (nil while stopped), requests in flight, last use.
    private let gate: NIOLockedValueBox<Gate>
    /// Duration of each cold start in milliseconds, newest last (benchmarks read it).
    public private(set) var coldStartsMilliseconds: [Double] = []

    struct Gate {
        var port: Int?
        var inFlight = 0
        var lastUsed: UInt64
    }

    public init(name: String, executablePath: String, environment: [String: String], logger: Logger,
                startTimeoutMilliseconds: Int = 10_000) {
        self.name = name
        self.executablePath = executablePath
        self.environment = environment
        self.logger = logger
        self.startTimeoutMilliseconds = startTimeoutMilliseconds
        self.gate = NIOLockedValueBox(Gate(lastUsed: monotonicNanoseconds()))
    }

    /// The port of the running process with one more request in flight, or nil when it is not
    /// running (then `acquire()` starts it). No suspension: the router's hot path.
    public nonisolated func acquireIfRunning() -> Int? {
        gate.withLockedValue { gate in
            guard let port = gate.port else { return nil }
            gate.inFlight += 1
            gate.lastUsed = monotonicNanoseconds()
            return port
        }
    }

    /// Ensures the process runs and counts one request in flight; returns its port.
    public func acquire() async throws -> Int {
        gate.withLockedValue { gate in
            gate.inFlight += 1
            gate.lastUsed = monotonicNanoseconds()
        }
        do {
            return try await ensureRunning()
        } catch {
            release()
            throw error
        }
    }

    public nonisolated func release() {
        gate.withLockedValue { gate in
            gate.inFlight -= 1
            gate.lastUsed = monotonicNanoseconds()
        }
    }

    /// Marks the process dead after a failed forward (it crashed or was killed).
    /// Returns true when the process had indeed exited (so a retry will start a new one).
    public func reportUnreachable() -> Bool {
        guard let process, process.exitStatusIfExited() != nil else { return false }
        logger.warning("function process exited", metadata: ["function": "\(name)"])
        self.process = nil
        gate.withLockedValue { $0.port = nil }
        return true
    }

    public var isRunning: Bool { process != nil }
    public var pid: Int32? { process?.pid }

    /// Stops the process when nothing is in flight and it has been idle long enough. The check
    /// and the port's removal are one step under the lock, so no request can take the port of a
    /// process being stopped.
    public func stopIfIdle(idleNanoseconds: UInt64) async {
        guard process != nil, starting == nil else { return }
        let idle = gate.withLockedValue { gate -> Bool in
            guard gate.inFlight == 0, monotonicNanoseconds() - gate.lastUsed >= idleNanoseconds else { return false }
            gate.port = nil
            return true
        }
        guard idle else { return }
        logger.info("function idle, scaling to zero", metadata: ["function": "\(name)"])
        await stop()
    }

    public func stop() async {
        gate.withLockedValue { $0.port = nil }
        guard let process else { return }
        self.process = nil
        await process.terminate()
    }

    private func ensureRunning() async throws -> Int {
        if let process, let port = gate.withLockedValue({ $0.port }) {
            if process.exitStatusIfExited() == nil { return port }
            logger.warning("function process had exited; starting it again", metadata: ["function": "\(name)"])
            self.process = nil
            gate.withLockedValue { $0.port = nil }
        }
        if let starting { return try await starting.value }
        let task = Task { try await self.start() }
        starting = task
        defer { starting = nil }
        return try await task.value
    }

    private func start() async throws -> Int {
        let port = try Ports.freeServerPort()
        var environment = self.environment
        environment["PORT"] = String(port)
        environment["HOST"] = "127.0.0.1"
        let began = monotonicNanoseconds()
        let process = try ChildProcess(executable: executablePath, environment: environment)
        var waited = 0
        while !Ports.isAccepting(port: port) {
            if let status = process.exitStatusIfExited() {
                throw ChildProcess.SpawnError(description: "\(name) exited during start with status \(status)")
            }
            if waited >= startTimeoutMilliseconds * 2 {
                await process.terminate(graceMilliseconds: 500)
                throw ChildProcess.SpawnError(description: "\(name) did not listen within \(startTimeoutMilliseconds) ms")
            }
            try await Task.sleep(nanoseconds: 500_000)
            waited += 1
        }
        let milliseconds = Double(monotonicNanoseconds() - began) / 1e6
        coldStartsMilliseconds.append(milliseconds)
        logger.info("function cold start", metadata: [
            "function": "\(name)", "pid": "\(process.pid)", "port": "\(port)",
            "coldStartMs": "\((milliseconds * 10).rounded() / 10)"])
        self.process = process
        gate.withLockedValue { $0.port = port }
        return port
    }
}
