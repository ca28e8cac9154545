import BlockingIO
import Files
import JSONValue
import Processes
import Settings
import TestSupport
import Testing

/// The README is executed: every command its "Using it" shell blocks show runs against a running
/// instance, as written, and must work. Only the launcher differs (`local-runner/run` builds a
/// release binary; here the debug `ccr-local` of the test build runs, pointed at the instance's
/// data folder with `CCR_DATA_DIR`), the router's port replaces 8080, and the placeholders the
/// README names (ID, CREATOR_ID, KEY_ID, `ccr_…`) take the values the earlier commands printed.
/// Not run here: `up` itself (the instance is `up`; `--demo` and `--replicas` have their own
/// tests; against real Twitch it needs credentials), `infra render` (it rewrites the repository; `generatedManifestsAreUpToDate` checks it),
/// and the redis-cli line (it never returns; `RedisACLTests` runs it as written).
@Suite struct ReadmeCommandsTests {
    /// The command lines of the README's `sh` blocks in "Using it", comments removed.
    static func commands() throws -> [String] {
        let readme = try #require(FileSystem.readText(RunningInstance.root + "/README.md"))
        guard let start = readme.firstRange(of: "## Using it"), let end = readme[start.upperBound...].firstRange(of: "\n## ") else { return [] }
        var lines: [String] = []
        var inBlock = false
        for line in readme[start.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inBlock = line == "```sh" ? true : false
                continue
            }
            guard inBlock else { continue }
            var command = String(line)
            if let comment = command.firstRange(of: "  #") { command = String(command[..<comment.lowerBound]) }
            command = String(command.reversed().drop { $0 == " " }.reversed())
            guard !command.isEmpty else { continue }
            // A line ending in a backslash continues on the next one.
            if let previous = lines.last, previous.hasSuffix("\\") {
                lines[lines.count - 1] = String(previous.dropLast()) + command
            } else {
                lines.append(command)
            }
        }
        return lines
    }

    @Test func everyCommandOfTheReadmeWorksAsWritten() async throws {
        guard try Prerequisite.available(RunningInstance.missing),
              try Prerequisite.available(FileSystem.exists("/usr/bin/curl") ? nil : "curl is not installed")
        else { return }
        let commands = try Self.commands()
        #expect(commands.count >= 12, "the README's commands were not found: \(commands)")
        let instance = try await RunningInstance.start(label: "readme")
        var values: [String: String] = [:]
        var ran: [String] = []
        for original in commands {
            // Starting an instance (the test's own is running; real Twitch needs credentials).
            if original.contains("local-runner/run up") { continue }
            if original.hasPrefix("local-runner/run infra render") || original.contains("psubscribe") { continue }
            var command = original.replacing("local-runner/run", with: "\"$CCR\"").replacing("127.0.0.1:8080", with: "127.0.0.1:\(instance.routerPort)")
            for placeholder in ["CREATOR_ID", "KEY_ID"] where command.contains(placeholder) {
                command = command.replacing(placeholder, with: try #require(values[placeholder], "\(placeholder) before: \(original)"))
            }
            if command.contains("--company ID") { command = command.replacing("--company ID", with: "--company \(try #require(values["ID"]))") }
            if command.contains("ccr_…") { command = command.replacing("ccr_…", with: try #require(values["KEY"])) }
            // `token=$(…)` assigns for the lines after it, as in the reader's shell.
            var assigns: String?
            if let equals = command.firstIndex(of: "="), command.hasPrefix("token=$(") {
                assigns = String(command[..<equals])
                command = String(command[command.index(equals, offsetBy: 3)..<command.index(before: command.endIndex)])
            }
            var environment = Environment().all
            environment["CCR"] = RunningInstance.ccrLocal
            environment["CCR_DATA_DIR"] = instance.dataDirectory
            environment["LOG_LEVEL"] = "error"
            if let token = values["token"] { environment["token"] = token }
            let outputPath = instance.dataDirectory + "/readme-\(ran.count).out"
            // The README line runs as it is; only its stderr (curl's progress, logs) goes aside.
            let status = try await ChildProcess.run("/bin/bash", ["-c", "{ \(command)\n} 2>\(outputPath).err"], environment: environment,
                                                    outputPath: outputPath)
            let output = (FileSystem.readText(outputPath) ?? "").trimmingWhitespace()
            let printed = output.split(separator: "\n").filter { !$0.hasPrefix("{\"ts\"") }.joined(separator: "\n")
            ran.append(original)
            #expect(status == 0, "README command failed (\(status)): \(original)\n\(output)\n\(FileSystem.readText(outputPath + ".err") ?? "")")
            // The last line that is not a log line (logs are JSON objects starting with "ts").
            let last = String(output.split(separator: "\n").last { !$0.hasPrefix("{\"ts\"") } ?? "")
            if let assigns { values[assigns] = last }
            if original.contains("company create") { values["ID"] = last }
            if original.contains("creator add") { values["CREATOR_ID"] = last }
            if original.hasPrefix("curl") {
                // Each curl line answers JSON without an error (curl itself exits 0 on 4xx).
                let json = try? JSONParser.parse(Array(printed.utf8))
                if original.contains("-X DELETE") {
                    #expect(printed.isEmpty || json?["error"] == nil, "\(original)\n\(output)")
                } else {
                    #expect(json != nil && json?["error"] == nil, "README command answered an error: \(original)\n\(output)")
                }
                if original.contains("/api/keys") && !original.contains("DELETE") {
                    values["KEY"] = json?["key"]?.stringValue
                    values["KEY_ID"] = json?["id"]?.stringValue
                }
            }
        }
        print("readme: ran \(ran.count) of \(commands.count) commands as written")
        #expect(ran.count >= 10)
        #expect(await instance.stop())
        instance.removeFolder()
    }
}
