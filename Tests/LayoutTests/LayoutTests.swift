import Files
import JSONValue
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The house rules of the module graph, read from the sources and the built binaries so they
/// stay true: shipped code never depends on local-runner/, functions never depend on each
/// other, Shared/ depends on no function; job executables carry no HTTP server and the relay no
/// benchmark; one name per function across folder, executable, route and job tables.
@Suite struct LayoutTests {
    static let root = SharedResearch.repositoryRoot()

    /// Folder names directly under `path` (each is a module or a function).
    static func folders(_ path: String) throws -> [String] {
        try FileSystem.list(root + "/" + path).filter { FileSystem.kind(root + "/" + path + "/" + $0) == .directory }
    }

    /// Every `.swift` file under `path`, relative to the repository root.
    static func swiftFiles(_ path: String) throws -> [String] {
        var files: [String] = []
        for name in try FileSystem.list(root + "/" + path) where !name.hasPrefix(".") {
            let child = path + "/" + name
            switch FileSystem.kind(root + "/" + child) {
            case .directory: files += try swiftFiles(child)
            case .file where name.hasSuffix(".swift"): files.append(child)
            default: continue
            }
        }
        return files
    }

    /// The modules a file imports (`import X`, `public import X`, `@testable import X`, …).
    static func imports(_ file: String) -> [String] {
        let text = FileSystem.readText(root + "/" + file) ?? ""
        return text.split(separator: "\n").compactMap { line in
            var words = line.split(separator: " ").map(String.init)
            while let first = words.first, ["@testable", "@_exported", "public", "internal", "package", "private", "fileprivate"].contains(first) {
                words.removeFirst()
            }
            guard words.count >= 2, words[0] == "import" else { return nil }
            return String(words[1].prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        }
    }

    /// `StatusReconciliation` → `status-reconciliation`; a brand is one word (`YouTubeWebhook` →
    /// `youtube-webhook`, as YouTube's own URLs and the route spell it).
    static func kebab(_ name: String) -> String {
        var out = ""
        for character in name.replacing("YouTube", with: "Youtube") {
            if character.isUppercase, !out.isEmpty { out += "-" }
            out += character.lowercased()
        }
        return out
    }

    @Test func shippedCodeNeverImportsTheLocalRunnerAndFunctionsStayApart() throws {
        let runnerModules = Set(try Self.folders("local-runner"))
        let functions = try Self.folders("Functions")
        #expect(runnerModules.contains("Router") && functions.contains("SocketRelay"), "the tree moved; update this test")
        var problems: [String] = []
        for file in try Self.swiftFiles("Shared") {
            for module in Self.imports(file) {
                if runnerModules.contains(module) { problems.append("\(file) imports local-runner module \(module)") }
                if functions.contains(module) { problems.append("\(file) imports function module \(module)") }
            }
        }
        for function in functions {
            for file in try Self.swiftFiles("Functions/" + function) {
                for module in Self.imports(file) {
                    if runnerModules.contains(module) { problems.append("\(file) imports local-runner module \(module)") }
                    if functions.contains(module), module != function { problems.append("\(file) imports another function, \(module)") }
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// Folder `Functions/StatusReconciliation` = executable `status-reconciliation` = job table
    /// function = queue; every route and job names a function that exists.
    @Test func oneNamePerFunction() throws {
        let manifest = try #require(FileSystem.readText(Self.root + "/Package.swift"))
        let functions = try Self.folders("Functions")
        for folder in functions {
            #expect(manifest.contains("function(\"\(folder)\", executable: \"\(Self.kebab(folder))\""),
                    "Functions/\(folder) must build the executable \(Self.kebab(folder))")
        }
        let executables = Set(functions.map(Self.kebab))
        let routes = try #require(FileSystem.readText(Self.root + "/infra/routes.json"))
        let jobs = try #require(FileSystem.readText(Self.root + "/infra/jobs.json"))
        for text in [routes, jobs] {
            let document = try JSONParser.parse(text)
            let entries = (document["routes"] ?? document["jobs"])?.arrayValue ?? []
            #expect(!entries.isEmpty)
            for entry in entries {
                let value = entry["function"]?.stringValue ?? ""
                #expect(executables.contains(value), "\(value) is not a function folder's executable")
            }
        }
    }

    static let jobExecutables = ["subscription-renewal", "status-reconciliation", "twitch-token-refresh", "event-archive", "enqueue-job", "migrate",
                                 "reseal-tokens", "notify"]

    /// The symbols of a built executable, through `nm` (binutils).
    static func symbols(_ executable: String) throws -> String? {
        let path = root + "/.build/debug/" + executable
        guard try Prerequisite.available(FileSystem.exists("/usr/bin/nm") ? nil : "nm (binutils) is not installed") else { return nil }
        guard try Prerequisite.available(FileSystem.exists(path) ? nil : "\(path) is not built (swift build)") else { return nil }
        let (status, output) = try ManifestValidationTests.run("/usr/bin/nm --defined-only '\(path)'")
        #expect(status == 0, "nm \(executable) failed")
        return output
    }

    @Test(arguments: jobExecutables)
    func jobExecutablesCarryNoHTTPServer(executable: String) throws {
        guard let symbols = try Self.symbols(executable) else { return }
        #expect(symbols.count > 10_000, "nm printed almost nothing for \(executable)")
        // Swift mangles a module name as its length and name: 11Hummingbird.
        #expect(!symbols.contains("11Hummingbird"), "\(executable) links Hummingbird")
        #expect(!symbols.contains("14FunctionServer"), "\(executable) links the HTTP adapter")
    }

    @Test func theRelayHoldsNoBenchmarkCode() throws {
        guard let symbols = try Self.symbols("socket-relay") else { return }
        #expect(symbols.contains("11SocketRelay"), "nm found no relay symbols")
        for marker in ["15FanoutBenchmark", "RelayFanoutBenchmark", "RawWebSocketClient", "ProcessStats"] {
            #expect(!symbols.contains(marker), "socket-relay contains \(marker)")
        }
    }
}
