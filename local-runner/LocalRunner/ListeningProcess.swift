import BlockingIO
import Processes

/// Starts a server executable of ours on a known port and returns once it accepts connections
/// (what the supervisor's start step needs for the relay and the Twitch stand-in).
enum ListeningProcess {
    static func launch(_ executable: String, port: Int, environment: [String: String], timeoutSeconds: Int = 20) async throws
        -> SupervisedProcess
    {
        let process = try ChildProcess(executable: executable, environment: environment)
        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        do {
            try await waitUntilListening(process, name: name, port: port, timeoutSeconds: timeoutSeconds)
        } catch {
            await SupervisedProcess(process).stop()
            throw error
        }
        return SupervisedProcess(process)
    }

    /// Returns once `process` accepts connections on `port`. Throws, in one readable line, when it
    /// exits first (a bad argument, a port taken) or does not listen within `timeoutSeconds`,
    /// rather than waiting forever; the caller still owns the process. `pollNanoseconds`: a bare
    /// TCP connect this often (cold-start measurements poll faster).
    static func waitUntilListening(_ process: ChildProcess, name: String, port: Int, timeoutSeconds: Int = 20,
                                   pollNanoseconds: UInt64 = 2_000_000) async throws {
        let deadline = monotonicNanoseconds() + UInt64(timeoutSeconds) * 1_000_000_000
        while !Ports.isAccepting(port: port) {
            if let status = process.exitStatusIfExited() {
                throw ChildProcess.SpawnError(description: "\(name) exited at start (status \(status)); is port \(port) free?")
            }
            if monotonicNanoseconds() >= deadline {
                throw ChildProcess.SpawnError(description: "\(name) did not listen on port \(port) within \(timeoutSeconds) s")
            }
            try await Task.sleep(nanoseconds: pollNanoseconds)
        }
    }
}
