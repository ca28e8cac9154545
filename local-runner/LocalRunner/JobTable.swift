import Files
import JSONValue

/// One scheduled job function (`infra/jobs.json`): its executable, which consumes the queue of
/// the same name, and how often the scheduler enqueues it. The same table drives the local scheduler and worker
/// supervisor and the generated KEDA / CronJob manifests.
public struct ScheduledJob: Sendable, Equatable {
    public let function: String
    /// One name for the function and its queue (`JobMain` consumes the queue named like it).
    public var queue: String { function }
    public let description: String
    public let intervalSeconds: Int
    public let environment: [String]
}

public struct JobTable: Sendable, Equatable {
    public let jobs: [ScheduledJob]

    public init(jobs: [ScheduledJob]) {
        self.jobs = jobs
    }

    public init(json text: String) throws {
        guard let entries = (try? JSONParser.parse(text))?["jobs"]?.arrayValue else {
            throw OperatorCommands.Failure(description: "jobs file: missing \"jobs\" array")
        }
        jobs = try entries.enumerated().map { index, entry in
            guard let function = entry["function"]?.stringValue,
                  let interval = entry["intervalSeconds"]?.int64Value, interval > 0
            else { throw OperatorCommands.Failure(description: "jobs[\(index)]: function and intervalSeconds are required") }
            return ScheduledJob(function: function, description: entry["description"]?.stringValue ?? "",
                                intervalSeconds: Int(interval), environment: entry["env"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
    }

    public static func load(_ path: String) throws -> JobTable {
        guard let text = FileSystem.readText(path) else { throw OperatorCommands.Failure(description: "cannot read \(path)") }
        return try JobTable(json: text)
    }
}
