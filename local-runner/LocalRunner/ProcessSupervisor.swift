import BlockingIO
public import Logging
import NIOConcurrencyHelpers

/// Keeps the runner's long-running units alive the way a kubelet keeps a pod's containers: it
/// notices when one ends (and reaps it), logs it, starts it again after an exponential backoff
/// (reset once a run lasted `stableSeconds`), and reports up/down and restart counts.
/// It only ever stops what it started itself.
public final class ProcessSupervisor: Sendable {
    /// How to start one unit: spawn it and return once it serves (throws when it cannot).
    public struct Unit: Sendable {
        public let name: String
        public let start: @Sendable () async throws -> any Supervised

        public init(name: String, start: @escaping @Sendable () async throws -> any Supervised) {
            self.name = name
            self.start = start
        }
    }

    private struct Entry {
        var status: ProcessStatus
        var run: (any Supervised)?
        var watcher: Task<Void, Never>?
    }

    private let logger: Logger
    private let initialBackoffMilliseconds: Int
    private let maximumBackoffMilliseconds: Int
    private let stableSeconds: Double
    private let pollNanoseconds: UInt64
    private let onChange: @Sendable ([ProcessStatus]) -> Void
    private let entries = NIOLockedValueBox<[(name: String, entry: Entry)]>([])

    public init(logger: Logger, initialBackoffMilliseconds: Int = 200, maximumBackoffMilliseconds: Int = 10_000,
                stableSeconds: Double = 30, pollMilliseconds: Int = 50,
                onChange: @escaping @Sendable ([ProcessStatus]) -> Void = { _ in }) {
        self.logger = logger
        self.initialBackoffMilliseconds = initialBackoffMilliseconds
        self.maximumBackoffMilliseconds = maximumBackoffMilliseconds
        self.stableSeconds = stableSeconds
        self.pollNanoseconds = UInt64(pollMilliseconds) * 1_000_000
        self.onChange = onChange
    }

    /// Starts `unit` (a failure of this first start is thrown: the runner cannot come up) and
    /// from then on restarts it whenever it ends, until `stopAll`.
    public func start(_ unit: Unit) async throws {
        update(unit.name, create: true) { $0.state = .starting }
        let run: any Supervised
        do {
            run = try await unit.start()
        } catch {
            entries.withLockedValue { $0.removeAll { $0.name == unit.name } }
            publish()
            throw error
        }
        update(unit.name) { $0.state = .up; $0.pid = run.pid }
        let watcher = Task { await self.watch(unit, first: run) }
        let stopped = entries.withLockedValue { entries -> Bool in
            guard let index = entries.firstIndex(where: { $0.name == unit.name }) else { return true }
            entries[index].entry.run = run
            entries[index].entry.watcher = watcher
            return false
        }
        if stopped { watcher.cancel() }
        logger.info("supervised process started", metadata: ["process": "\(unit.name)", "pid": "\(run.pid.map(String.init) ?? "-")"])
    }

    public var statuses: [ProcessStatus] { entries.withLockedValue { $0.map(\.entry.status) } }

    /// Stops every unit, newest first (the relay before Redis before Postgres).
    public func stopAll() async {
        let taken = entries.withLockedValue { entries -> [(String, Entry)] in
            defer { for index in entries.indices { entries[index].entry.watcher = nil; entries[index].entry.run = nil } }
            return entries.map { ($0.name, $0.entry) }
        }
        for (_, entry) in taken { entry.watcher?.cancel() }
        for (name, entry) in taken.reversed() {
            await entry.watcher?.value
            // The watcher may have just restarted it: stop the run it left behind as well.
            let run = entries.withLockedValue { entries in entries.first { $0.name == name }?.entry.run } ?? entry.run
            await run?.stop()
            update(name) { $0.state = .stopped; $0.pid = nil }
        }
    }

    private func watch(_ unit: Unit, first: any Supervised) async {
        var run = first
        var backoff = Backoff(initialMilliseconds: initialBackoffMilliseconds, maximumMilliseconds: maximumBackoffMilliseconds)
        var startedAt = monotonicNanoseconds()
        while !Task.isCancelled {
            guard let status = run.exitStatusIfEnded() else {
                try? await Task.sleep(nanoseconds: pollNanoseconds)
                continue
            }
            if Task.isCancelled { return }
            let endedAt = monotonicNanoseconds()
            if Double(endedAt - startedAt) / 1e9 >= stableSeconds { backoff.reset() }
            update(unit.name) { $0.state = .down; $0.pid = nil; $0.lastExitStatus = status }
            logger.warning("supervised process exited; restarting it", metadata: ["process": "\(unit.name)", "status": "\(status)"])
            while !Task.isCancelled {
                let delay = backoff.nextDelayMilliseconds()
                logger.info("restart scheduled", metadata: ["process": "\(unit.name)", "delayMs": "\(delay)", "attempt": "\(backoff.attempt)"])
                try? await Task.sleep(nanoseconds: UInt64(delay) * 1_000_000)
                if Task.isCancelled { return }
                update(unit.name) { $0.state = .starting; $0.restarts += 1 }
                do {
                    run = try await unit.start()
                } catch {
                    update(unit.name) { $0.state = .down }
                    logger.error("restart failed", metadata: ["process": "\(unit.name)", "error": "\(error)"])
                    continue
                }
                let recovered = Int((monotonicNanoseconds() - endedAt) / 1_000_000)
                entries.withLockedValue { entries in
                    if let index = entries.firstIndex(where: { $0.name == unit.name }) { entries[index].entry.run = run }
                }
                update(unit.name) { $0.state = .up; $0.pid = run.pid; $0.lastRecoveryMilliseconds = recovered }
                logger.notice("supervised process restarted", metadata: [
                    "process": "\(unit.name)", "pid": "\(run.pid.map(String.init) ?? "-")", "recoveryMs": "\(recovered)"])
                startedAt = monotonicNanoseconds()
                break
            }
        }
    }

    private func update(_ name: String, create: Bool = false, _ change: (inout ProcessStatus) -> Void) {
        let now = wallClockSeconds()
        entries.withLockedValue { entries in
            if let index = entries.firstIndex(where: { $0.name == name }) {
                let before = entries[index].entry.status.state
                change(&entries[index].entry.status)
                if entries[index].entry.status.state != before { entries[index].entry.status.since = now }
            } else if create {
                var status = ProcessStatus(name: name, state: .starting, since: now)
                change(&status)
                entries.append((name, Entry(status: status)))
            }
        }
        publish()
    }

    private func publish() {
        onChange(statuses)
    }
}
