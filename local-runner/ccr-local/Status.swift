import ArgumentParser
import BlockingIO
import LocalRunner

/// `local-runner/run status`: who owns the data folder and how its supervised processes are.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The running instance: owner pid, URLs, supervised processes.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await reportingErrors {
            let files = common.files
            guard let owner = InstanceLock.owner(files) else {
                throw OperatorCommands.Failure(description: "no running instance in \(files.dataDirectory); start one with: local-runner/run")
            }
            print("local-runner pid \(owner.pid)  router \(owner.routerURL)  relay \(owner.relayURL)")
            print(StatusTable.render(ProcessStatus.read(from: files.processes), now: wallClockSeconds()))
        }
    }
}
