import NIOConcurrencyHelpers
import Processes
#if canImport(Glibc)
import Glibc
#endif

/// One started run of something the supervisor keeps alive: a child process or a task.
public protocol Supervised: Sendable {
    var pid: Int32? { get }
    /// The exit status once it has ended (a process is reaped by asking), nil while it runs.
    func exitStatusIfEnded() -> Int32?
    /// Asks it to stop and waits until it has.
    func stop() async
}

/// A child process; `stopSignal` is what asks it to stop (Postgres: SIGINT, its fast shutdown).
public struct SupervisedProcess: Supervised {
    let process: ChildProcess
    let stopSignal: Int32
    let graceMilliseconds: Int

    init(_ process: ChildProcess, stopSignal: Int32 = SIGTERM, graceMilliseconds: Int = 10_000) {
        self.process = process
        self.stopSignal = stopSignal
        self.graceMilliseconds = graceMilliseconds
    }

    public var pid: Int32? { process.pid }
    public func exitStatusIfEnded() -> Int32? { process.exitStatusIfExited() }

    public func stop() async {
        process.signal(stopSignal)
        if await process.waitForExit(timeoutMilliseconds: graceMilliseconds) != nil { return }
        process.signal(SIGKILL)
        _ = await process.waitForExit()
    }
}

/// A loop inside the runner (the job scheduler): it has ended when its body returned.
public final class SupervisedTask: Supervised {
    private let ended = NIOLockedValueBox(false)
    private let task: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)

    public init(_ body: @escaping @Sendable () async -> Void) {
        let ended = self.ended
        task.withLockedValue { $0 = Task { await body(); ended.withLockedValue { $0 = true } } }
    }

    public var pid: Int32? { nil }
    public func exitStatusIfEnded() -> Int32? { ended.withLockedValue { $0 } ? 0 : nil }

    public func stop() async {
        guard let task = task.withLockedValue({ $0 }) else { return }
        task.cancel()
        await task.value
    }
}
