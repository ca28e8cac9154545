import Files
import BlockingIO
import JSONValue
import LocalRunner
import Processes
import Settings
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension RelaySuites {
    /// The official JavaScript socket.io-client v4 in headless Chromium (`python/browser_client.py`):
    /// websocket-only, polling-only, default upgrade, reconnect after a relay restart with
    /// recovery (connection-state recovery offsets, and a `lastEventId` auth callback), a refused
    /// token, token expiry.
    @Suite struct BrowserClientTests {
        static var missing: String? {
            let chromium = Environment().optional("CCR_CHROMIUM") ?? "/usr/bin/chromium"
            let driver = Environment().optional("CCR_CHROMEDRIVER") ?? "/usr/bin/chromedriver"
            if !FileSystem.exists(chromium) || !FileSystem.exists(driver) {
                return "headless Chromium is not installed (apt-get install -y chromium chromium-driver)"
            }
            let check = "import selenium, importlib.util, sys; sys.exit(importlib.util.find_spec('nicegui') is None)"
            guard let process = try? ChildProcess(executable: "python3", arguments: ["-c", check], environment: Environment().all,
                                                  outputPath: TestKeys.directory + "/browser-check.txt")
            else { return "python3 is not installed" }
            var status = process.exitStatusIfExited()
            while status == nil {
                usleep(5_000)
                status = process.exitStatusIfExited()
            }
            return status == 0 ? nil : "python3 lacks selenium or the socket.io-client build: python3 -m pip install -r "
                + "Tests/RelayTests/python/requirements.txt && python3 -m pip install --no-deps -r Tests/RelayTests/python/browser-client.txt"
        }

        @Test func officialJavaScriptClientInChromium() async throws {
            guard Prerequisites.check(Self.missing, test: "officialJavaScriptClientInChromium") else { return }
            let port = try Ports.freeLoopbackPort()
            let environment = ["RELAY_CORS_ORIGINS": "*"]
            let webhook = try Webhook()
            let tenant = try Tenant.make()
            var relay = try RelayProcess(port: port, extraEnvironment: environment)
            try await relay.waitReady()
            let work = try FileSystem.temporaryDirectory(prefix: "ccr-relay-browser")
            let config: JSONValue = ["relayURL": .string("http://127.0.0.1:\(port)"), "token": .string(TestKeys.token(company: tenant.company)),
                                     "badToken": .string(TestKeys.foreignToken(company: tenant.company)),
                                     "shortToken": .string(TestKeys.token(company: tenant.company, ttlSeconds: 4)),
                                     "workDirectory": .string(work)]
            try FileSystem.writeText(JSONWriter.string(config), to: work + "/config.json")
            var pythonEnvironment = Environment().all
            pythonEnvironment["PYTHONUNBUFFERED"] = "1"
            let output = work + "/output.jsonl"
            let script = try ChildProcess(executable: "python3",
                                          arguments: [SharedResearch.repositoryRoot() + "/Tests/RelayTests/python/browser_client.py", work + "/config.json"],
                                          environment: pythonEnvironment, outputPath: output)
            func records() -> [JSONValue] {
                (FileSystem.readText(output) ?? "").split(separator: "\n").compactMap { $0.hasPrefix("{") ? try? JSONParser.parse(String($0)) : nil }
            }
            var answered = Set<String>()
            let deadline = wallClockSeconds() + 240
            while script.exitStatusIfExited() == nil && wallClockSeconds() < deadline {
                for record in records() where record["type"]?.stringValue == "request" {
                    guard let id = record["id"]?.stringValue, !answered.contains(id) else { continue }
                    answered.insert(id)
                    switch record["action"]?.stringValue {
                    case "publish":
                        #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "browser-\(id)") == 204)
                    case "restart":
                        relay.process.signal(SIGKILL)
                        _ = await relay.process.waitForExit()
                        for index in 0..<2 { #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "down-\(id)-\(index)") == 204) }
                        relay = try RelayProcess(port: port, extraEnvironment: environment)
                        try await relay.waitReady()
                    default:
                        Issue.record("unknown request \(record)")
                    }
                    try FileSystem.writeText("", to: work + "/\(id).done")
                }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            if script.exitStatusIfExited() == nil { _ = await script.terminate(graceMilliseconds: 1_000) }
            let all = records()
            let transcript = FileSystem.readText(output) ?? ""
            let checks = all.filter { $0["type"]?.stringValue == "check" }
            for check in checks where check["ok"] != .bool(true) {
                Issue.record("\(check["name"]?.stringValue ?? "?"): \(check["detail"]?.stringValue ?? "")")
            }
            #expect(checks.count == 26, "every case ran: \(transcript.suffix(3_000))")
            #expect(all.contains { $0["type"]?.stringValue == "done" }, "\(transcript.suffix(3_000))")
            await relay.process.terminate()
            await webhook.shutdown()
        }
    }
}
