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
    /// The official socket.io protocol test suite (`../shared/conformance/socket.io-protocol`,
    /// unchanged) against `socket-relay --conformance`, on Debian's node, mocha, chai and ws.
    /// The suite is copied to a temporary folder; only its import file and its URL line are
    /// adapted there, as the folder's README says.
    @Suite struct ProtocolSuiteTests {
        static let suiteDirectory = SharedResearch.repositoryRoot() + "/../shared/conformance/socket.io-protocol"
        static let nodePath = "/usr/share/nodejs"

        static var missing: String? {
            for tool in ["/usr/bin/node", "/usr/bin/mocha"] where !FileSystem.exists(tool) {
                return "\(tool) is missing: apt-get install -y nodejs mocha node-chai node-ws (.ci/run does this)"
            }
            for module in ["ws", "chai"] where !FileSystem.exists("\(nodePath)/\(module)/package.json") {
                return "\(nodePath)/\(module) is missing: apt-get install -y node-chai node-ws"
            }
            if !FileSystem.exists(suiteDirectory + "/test-suite.js") { return "\(suiteDirectory)/test-suite.js is missing" }
            return nil
        }

        /// Loads `ws` and `chai` from Debian's node path and adds the one chai-string assertion
        /// the suite uses (`startsWith`). Node has `fetch` built in.
        static let nodeImports = """
            import { createRequire } from "module";
            const require = createRequire("\(nodePath)/");
            const { WebSocket } = require("ws");
            const chai = require("chai");
            chai.use((chai) => {
              chai.Assertion.addMethod("startsWith", function (prefix) {
                const value = this._obj;
                this.assert(typeof value === "string" && value.startsWith(prefix),
                  "expected #{this} to start with #{exp}", "expected #{this} not to start with #{exp}", prefix);
              });
            });
            globalThis.WebSocket = WebSocket;
            globalThis.chai = chai;

            """

        @Test func officialSuitePassesEveryCase() async throws {
            guard Prerequisites.check(Self.missing, test: "officialSuitePassesEveryCase") else { return }
            let port = try Ports.freeLoopbackPort()
            let work = try FileSystem.temporaryDirectory(prefix: "ccr-socketio-protocol")
            let original = try #require(FileSystem.readText(Self.suiteDirectory + "/test-suite.js"))
            let urlLine = "const URL = \"http://localhost:3000\";"
            #expect(original.contains(urlLine), "the suite's URL line is as published")
            try FileSystem.writeText(original.replacing(urlLine, with: "const URL = \"http://127.0.0.1:\(port)\";"),
                                     to: work + "/test-suite.js")
            try FileSystem.writeText(try #require(FileSystem.readText(Self.suiteDirectory + "/package.json")), to: work + "/package.json")
            try FileSystem.writeText(Self.nodeImports, to: work + "/node-imports.js")

            let root = SharedResearch.repositoryRoot()
            var environment = Environment().all
            environment["PORT"] = String(port)
            environment["HOST"] = "127.0.0.1"
            environment["LOG_LEVEL"] = "error"
            let relay = try ChildProcess(executable: root + "/.build/debug/socket-relay", arguments: ["--conformance"],
                                         environment: environment, outputPath: work + "/relay.log")
            defer { relay.signal(SIGKILL) }
            let deadline = wallClockSeconds() + 20
            while !Ports.isAccepting(port: port) && wallClockSeconds() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
            #expect(Ports.isAccepting(port: port), "socket-relay --conformance listens")

            var mochaEnvironment = Environment().all
            mochaEnvironment["NODE_PATH"] = Self.nodePath
            let mocha = try ChildProcess(executable: "/usr/bin/mocha",
                                         arguments: ["--timeout", "10000", "--reporter", "json", work + "/test-suite.js"],
                                         environment: mochaEnvironment, outputPath: work + "/result.json")
            let status = await mocha.waitForExit(timeoutMilliseconds: 180_000)
            let output = FileSystem.readText(work + "/result.json") ?? ""
            let report = output.firstIndex(of: "{").flatMap { try? JSONParser.parse(String(output[$0...])) }
            let passes = report?["stats"]?["passes"]?.int64Value ?? -1
            let failures = report?["failures"]?.arrayValue ?? []
            let failed = failures.map { "\($0["fullTitle"]?.stringValue ?? "?"): \($0["err"]?["message"]?.stringValue ?? "")" }
            FileHandleStderr.write("socket.io-protocol suite: \(passes) passing, \(failures.count) failing\n")
            #expect(status == 0, "mocha exit status \(String(describing: status)); failing: \(failed); output: \(output.prefix(2_000))")
            #expect(failures.isEmpty, "\(failed)")
            #expect(passes == 32, "every case of the published suite runs and passes")
            relay.signal(SIGTERM)
            _ = await relay.waitForExit(timeoutMilliseconds: 5_000)
        }
    }
}
