import Processes

/// Starts a server executable of ours on a known port and returns once it accepts connections
/// (what the supervisor's start step needs for the relay and the Twitch stand-in).
enum ListeningProcess {
    static func launch(_ executable: String, port: Int, environment: [String: String], timeoutSeconds: Int = 20) async throws
        -> SupervisedProcess
    {
        let process = try ChildProcess(executable: executable, environment: environment)
        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        for _ in 0..<(timeoutSeconds * 500) {
            if let status = process.exitStatusIfExited() {
                throw ChildProcess.SpawnError(description: "\(name) exited at start (status \(status)); is port \(port) free?")
            }
            if Ports.isAccepting(port: port) { return SupervisedProcess(process) }
            try await Task.sleep(nanoseconds: 2_000_000)
        }
        let supervised = SupervisedProcess(process)
        await supervised.stop()
        throw ChildProcess.SpawnError(description: "\(name) did not listen on port \(port) within \(timeoutSeconds) s")
    }
}
