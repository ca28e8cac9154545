import Files
import JSONValue

/// What the supervisor knows about one unit, for `/metrics`, `local-runner/run status` and logs.
public struct ProcessStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case starting, up, down, stopped
    }

    public let name: String
    public var state: State
    public var pid: Int32?
    /// Restarts after the first start.
    public var restarts: Int
    /// How the previous run ended (shell-style: 128 + signal when killed).
    public var lastExitStatus: Int32?
    /// Wall-clock seconds of the last change of `state`.
    public var since: Double
    /// Milliseconds from the last exit until it served again.
    public var lastRecoveryMilliseconds: Int?

    public init(name: String, state: State, since: Double) {
        self.name = name
        self.state = state
        self.restarts = 0
        self.since = since
    }

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name), "state": .string(state.rawValue), "restarts": .int(Int64(restarts)), "sinceMs": .int(Int64(since * 1000)),
        ]
        if let pid { object["pid"] = .int(Int64(pid)) }
        if let lastExitStatus { object["lastExitStatus"] = .int(Int64(lastExitStatus)) }
        if let lastRecoveryMilliseconds { object["lastRecoveryMs"] = .int(Int64(lastRecoveryMilliseconds)) }
        return .object(object)
    }

    init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let state = json["state"]?.stringValue.flatMap(State.init(rawValue:)) else { return nil }
        self.init(name: name, state: state, since: Double(json["sinceMs"]?.int64Value ?? 0) / 1000)
        restarts = Int(json["restarts"]?.int64Value ?? 0)
        pid = json["pid"]?.int64Value.map { Int32($0) }
        lastExitStatus = json["lastExitStatus"]?.int64Value.map { Int32($0) }
        lastRecoveryMilliseconds = json["lastRecoveryMs"]?.int64Value.map { Int($0) }
    }

    /// Prometheus text lines for a list of units.
    public static func prometheus(_ statuses: [ProcessStatus]) -> String {
        var lines = ["# HELP ccr_process_up 1 while the supervised process serves, else 0",
                     "# TYPE ccr_process_up gauge"]
        lines += statuses.map { "ccr_process_up{process=\"\($0.name)\"} \($0.state == .up ? 1 : 0)" }
        lines += ["# HELP ccr_process_restarts_total restarts by the local supervisor", "# TYPE ccr_process_restarts_total counter"]
        lines += statuses.map { "ccr_process_restarts_total{process=\"\($0.name)\"} \($0.restarts)" }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension ProcessStatus {
    /// The running instance's units as a JSON file (read by `local-runner/run status`).
    public static func write(_ statuses: [ProcessStatus], to path: String) {
        try? FileSystem.writeText(JSONWriter.string(.array(statuses.map(\.json))) + "\n", to: path, mode: 0o644)
    }

    public static func read(from path: String) -> [ProcessStatus] {
        guard let text = FileSystem.readText(path), let array = (try? JSONParser.parse(text))?.arrayValue else { return [] }
        return array.compactMap(ProcessStatus.init(json:))
    }
}
