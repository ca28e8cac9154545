import JSONValue
import ArgumentParser
import JobQueue
import Redis
import AccessTokens
import BlockingIO
import Logging
import LocalRunner
import Router
import Settings
import StructuredLogging
#if canImport(Glibc)
import Glibc
#endif

/// `local-runner/run jobs …`: the queues of the running instance.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Job queues: stats, dead letters, retries.",
                                                    subcommands: [Stats.self, Dead.self, Show.self, Retry.self, Enqueue.self])

    static func redis(_ common: CommonOptions) throws -> RedisConnection {
        let values = try common.files.readRuntimeEnvironment()
        return try RedisConnection(url: try RedisURL(parsing: values["REDIS_URL"] ?? ""))
    }

    static func queues(_ common: CommonOptions, _ only: String?) throws -> [JobQueue] {
        let names = try JobTable.load(absolute(common.jobs)).jobs.map(\.queue)
        if let only {
            guard names.contains(only) else { throw OperatorCommands.Failure(description: "unknown queue \(only); queues: \(names.joined(separator: ", "))") }
            return [JobQueue(name: only)]
        }
        return names.map { JobQueue(name: $0) }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Depth, in flight, done, retried, dead per queue.")
        @OptionGroup var common: CommonOptions
        func run() async throws {
            try await reportingErrors {
                let connection = try Jobs.redis(common)
                for queue in try Jobs.queues(common, nil) {
                    let s = try queue.stats(on: connection)
                    print("\(s.queue): waiting \(s.waiting), in flight \(s.inFlight), delayed \(s.delayed), done \(s.done), retried \(s.retried), dead \(s.dead) (\(s.deadLetters) dead letters)")
                }
            }
        }
    }

    struct Dead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Only this queue.") var queue: String?
        func run() async throws {
            try await reportingErrors {
                let connection = try Jobs.redis(common)
                for q in try Jobs.queues(common, queue) {
                    for letter in try q.deadLetters(on: connection) {
                        print("\(q.name)  \(letter.id)  job \(letter.job?.id ?? "(unreadable)")  attempts \(letter.attempts)  error: \(letter.error)")
                    }
                }
            }
        }
    }

    /// The queue holding a dead letter: the one named, or whichever has that id.
    static func locate(_ id: String, queue: String?, _ common: CommonOptions, _ connection: RedisConnection) throws -> (JobQueue, DeadLetter) {
        for candidate in try queues(common, queue) {
            if let letter = try candidate.deadLetter(id: id, on: connection) { return (candidate, letter) }
        }
        throw OperatorCommands.Failure(description: "no dead letter \(id)\(queue.map { " in \($0)" } ?? "") (list them with: local-runner/run jobs dead)")
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The queue (default: search every queue).") var queue: String?
        @Argument(help: "The dead letter id (from jobs dead).") var id: String
        func run() async throws {
            try await reportingErrors {
                let (found, letter) = try Jobs.locate(id, queue: queue, common, try Jobs.redis(common))
                print("id: \(letter.id)\nqueue: \(found.name)\nattempts: \(letter.attempts)\nerror: \(letter.error)\njob: \(letter.job?.json ?? letter.content)")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Requeue a dead letter as a fresh job.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The queue (default: search every queue).") var queue: String?
        @Argument(help: "The dead letter id (from jobs dead).") var id: String
        func run() async throws {
            try await reportingErrors {
                let connection = try Jobs.redis(common)
                let (found, _) = try Jobs.locate(id, queue: queue, common, connection)
                guard try found.requeueDeadLetter(id: id, on: connection) else {
                    throw OperatorCommands.Failure(description: "no dead letter \(id) in \(found.name)")
                }
                print("requeued \(id) on \(found.name)")
            }
        }
    }

    struct Enqueue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enqueue a scheduled job now.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The queue.") var queue: String
        func run() async throws {
            try await reportingErrors {
                let id = try Jobs.queues(common, queue)[0].enqueue(["manual": true], on: try Jobs.redis(common))
                print(id ?? "already enqueued")
            }
        }
    }
}
