/// Where a local instance keeps its files (`local-runner/.data/` by default, gitignored).
public struct InstanceFiles: Sendable {
    public let dataDirectory: String

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// The environment of the running instance, written by `up`, read by `env` and operator commands.
    public var runtimeEnvironment: String { dataDirectory + "/runtime.env" }
    public var demo: String { dataDirectory + "/demo.env" }
    /// Held (flock) by the running `up`; names its pid and URLs.
    public var lock: String { dataDirectory + "/instance.lock" }
    /// The supervised processes of the running instance (`local-runner/run status`).
    public var processes: String { dataDirectory + "/processes.json" }

    /// The running instance's environment, or a clear error when nothing runs.
    public func readRuntimeEnvironment() throws -> [String: String] {
        guard let values = KeyValueFile.read(runtimeEnvironment), values["DATABASE_ADMIN_URL"] != nil else {
            throw OperatorCommands.Failure(description: "no running instance in \(dataDirectory); start one with: local-runner/run")
        }
        return values
    }
}
