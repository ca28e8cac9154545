import Files
import BlockingIO
import JSONValue
import LocalRunner
import Processes
import Settings
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A python script under `Tests/DashboardTests/browser/` driving headless Chromium through
/// Selenium. It gets one JSON config file and prints JSON lines (see ccr_browser.py); requests
/// it prints (stop the relay, start it again) are carried out here and answered with a file.
final class BrowserScript: @unchecked Sendable {
    /// Nil when python3 with Selenium, Chromium and chromedriver are available; otherwise why not.
    static let missing: String? = {
        let chromium = Environment().optional("CCR_CHROMIUM") ?? "/usr/bin/chromium"
        let driver = Environment().optional("CCR_CHROMEDRIVER") ?? "/usr/bin/chromedriver"
        if !FileSystem.exists(chromium) || !FileSystem.exists(driver) {
            return "headless Chromium is not installed (\(chromium), \(driver)): apt-get install -y chromium chromium-driver "
                + "(local-runner/test does this when run as root)"
        }
        let output = "/tmp/ccr-dashboard-selenium-check-\(getpid()).txt"
        guard let check = try? ChildProcess(executable: "python3", arguments: ["-c", "import selenium"], environment: Environment().all,
                                            outputPath: output)
        else { return "python3 is not installed" }
        var status = check.exitStatusIfExited()
        while status == nil {
            usleep(5_000)
            status = check.exitStatusIfExited()
        }
        FileSystem.remove(output)
        return status == 0 ? nil : "python3 cannot import selenium: python3 -m pip install 'selenium==4.*' (local-runner/test does this)"
    }()

    static var available: Bool { missing == nil }

    let workDirectory: String
    let outputPath: String
    private let process: ChildProcess

    /// Starts `script` (a file name under Tests/DashboardTests/browser/) with `config`, to which
    /// `workDirectory` and `artifactsDirectory` are added.
    init(script: String, config: JSONValue) throws {
        if let missing = Self.missing { throw TestFailure(missing) }
        let root = SharedResearch.repositoryRoot()
        workDirectory = try FileSystem.temporaryDirectory(prefix: "ccr-browser")
        outputPath = workDirectory + "/output.jsonl"
        var object = config.objectValue ?? [:]
        object["workDirectory"] = .string(workDirectory)
        if object["artifactsDirectory"] == nil { object["artifactsDirectory"] = .string(root + "/artifacts/dashboard") }
        let configPath = workDirectory + "/config.json"
        try FileSystem.writeText(JSONWriter.string(.object(object)), to: configPath)
        var environment = Environment().all
        environment["PYTHONUNBUFFERED"] = "1"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        process = try ChildProcess(executable: "python3", arguments: [root + "/Tests/DashboardTests/browser/" + script, configPath],
                                   environment: environment, outputPath: outputPath)
    }

    func records() -> [JSONValue] {
        (FileSystem.readText(outputPath) ?? "").split(separator: "\n").compactMap { line in
            line.hasPrefix("{") ? try? JSONParser.parse(String(line)) : nil
        }
    }

    /// Everything the script printed (for failure messages; read before `run` returns).
    var transcript: String { lastTranscript ?? FileSystem.readText(outputPath) ?? "" }
    private var lastTranscript: String?

    /// Runs to the end, carrying out requests with `handlers`; returns every record. Kills the
    /// script after `timeoutSeconds`.
    func run(timeoutSeconds: Double, handlers: [String: @Sendable () async throws -> Void] = [:]) async -> [JSONValue] {
        var answered = Set<String>()
        let deadline = wallClockSeconds() + timeoutSeconds
        while process.exitStatusIfExited() == nil {
            for record in records() where record["type"]?.stringValue == "request" {
                guard let id = record["id"]?.stringValue, !answered.contains(id), let action = record["action"]?.stringValue else { continue }
                answered.insert(id)
                do {
                    guard let handler = handlers[action] else { throw TestFailure("no handler for \(action)") }
                    try await handler()
                    try FileSystem.writeText("ok", to: workDirectory + "/\(id).done")
                } catch {
                    try? FileSystem.writeText("\(error)", to: workDirectory + "/\(id).failed")
                }
            }
            if wallClockSeconds() > deadline {
                // The script quits its browsers on SIGTERM; whatever is left (chromedriver,
                // Chromium) is stopped by pid.
                let children = ProcessTable.descendants(of: process.pid)
                await process.terminate(graceMilliseconds: 5_000)
                await ProcessTable.terminate(children)
                break
            }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        let all = records()
        lastTranscript = FileSystem.readText(outputPath)
        // The folder holds tokens and signed deliveries; the records are all the caller needs.
        _ = try? await ChildProcess.run("/bin/rm", ["-rf", workDirectory], environment: ["PATH": "/usr/bin:/bin"])
        return all
    }

    /// Prints the script's notes, metrics and failed checks (test output), and returns the
    /// failed checks and errors as readable lines.
    static func summarize(_ records: [JSONValue], label: String) -> (failures: [String], finished: Bool) {
        var failures: [String] = []
        var finished = false
        for record in records {
            switch record["type"]?.stringValue {
            case "check":
                let ok = record["ok"]?.boolValue == true
                let name = record["name"]?.stringValue ?? "?"
                let detail = record["detail"]?.stringValue ?? ""
                print("[\(label)] \(ok ? "ok  " : "FAIL") \(name)\(detail.isEmpty ? "" : " — \(detail.prefix(300))")")
                if !ok { failures.append("\(name): \(detail.prefix(600))") }
            case "metric":
                print("[\(label)] metric \(record["name"]?.stringValue ?? "?") = \(record["value"].map(JSONWriter.string) ?? "") \(record["unit"]?.stringValue ?? "")")
            case "note":
                print("[\(label)] note: \(record["text"]?.stringValue ?? "")")
            case "artifact":
                print("[\(label)] screenshot: \(record["path"]?.stringValue ?? "")")
            case "error":
                failures.append("script error: \(record["text"]?.stringValue ?? "")\n\(record["trace"]?.stringValue ?? "")")
            case "done":
                finished = true
            default:
                break
            }
        }
        return (failures, finished)
    }
}
