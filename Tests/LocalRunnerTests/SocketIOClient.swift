import BlockingIO
import Files
import JSONValue
import Processes
import Settings
import TestSupport

/// The relay tests' python-socketio client (Tests/RelayTests/python/relay_client.py) connected to
/// a running instance's relay, reconnecting and asking for what it missed (`lastEventId`).
final class SocketIOClient {
    /// Nil when python3 has the client packages; otherwise how to get them.
    static var missing: String? {
        let probe = try? ChildProcess(executable: "python3", arguments: ["-c", "import socketio, engineio, websocket"],
                                      environment: Environment().all, outputPath: "/dev/null")
        guard let probe else { return "python3 not found" }
        var status = probe.exitStatusIfExited()
        while status == nil { status = probe.exitStatusIfExited() }
        return status == 0 ? nil : "python3 cannot import socketio: `python3 -m pip install 'python-socketio[client]==5.*' websocket-client` "
            + "(or apt-get install python3-socketio python3-websocket); local-runner/test does this"
    }

    private let process: ChildProcess
    private let outputPath: String

    /// `transports`: "websocket" (only), "polling" (only) or "default" (polling, then the upgrade).
    init(url: String, token: String, seconds: Double, directory: String, transports: String = "websocket") throws {
        let script = SharedResearch.repositoryRoot() + "/Tests/RelayTests/python/relay_client.py"
        outputPath = directory + "/socketio-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        let plan: JSONValue = ["url": .string(url), "token": .string(token), "transports": .string(transports), "seconds": .double(seconds),
                               "reconnect": true, "recover": true, "connect_retry": true]
        var environment = Environment().all
        environment["PYTHONUNBUFFERED"] = "1"
        let arguments = [script, JSONWriter.string(plan)]
        process = try ChildProcess(executable: "python3", arguments: arguments, environment: environment, outputPath: outputPath)
    }

    var transcript: String { FileSystem.readText(outputPath) ?? "" }

    private func records(_ type: String) -> [JSONValue] {
        transcript.split(separator: "\n").compactMap { $0.hasPrefix("{") ? try? JSONParser.parse(String($0)) : nil }
            .filter { $0["type"]?.stringValue == type }
    }

    /// Distinct event ids received (a recovery may replay one the client had).
    var eventIDs: Set<Int64> { Set(records("event").compactMap { $0["id"]?.int64Value }) }
    var readyCount: Int { records("ready").count }
    /// Every event id in the order it came off the wire, repeats included.
    var orderedEventIDs: [Int64] { records("event").compactMap { $0["id"]?.int64Value } }
    /// The CONNECT replies' `recovered` flags, oldest first (nil: the reply had none).
    var recoveredFlags: [Bool?] { records("connect_reply").map { $0["data"]?["recovered"]?.boolValue } }

    /// Waits until `condition` holds; true if it did within `seconds`.
    func wait(seconds: Double, _ condition: (SocketIOClient) -> Bool) async -> Bool {
        let deadline = wallClockSeconds() + seconds
        while wallClockSeconds() < deadline {
            if condition(self) { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return condition(self)
    }

    func stop() async {
        if process.exitStatusIfExited() == nil { await process.terminate(graceMilliseconds: 2_000) }
    }
}
