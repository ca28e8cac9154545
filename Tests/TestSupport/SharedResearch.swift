import LocalRunner
#if canImport(Glibc)
import Glibc
#endif

/// Twitch's documented example payloads and signed known-answer requests, kept beside the repo in
/// `../shared/research/twitch-eventsub-examples/` (never copied into it). Tests that use them skip
/// with a clear message where that folder is absent.
public enum SharedResearch {
    public static func examplesDirectory(file: StaticString = #filePath) -> String? {
        // Tests/TestSupport/SharedResearch.swift → repository root → ../shared/research/...
        var path = "\(file)"
        for _ in 0..<3 { if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) } }
        let candidate = path + "/../shared/research/twitch-eventsub-examples"
        return access(candidate, F_OK) == 0 ? candidate : nil
    }

    public static let skipMessage = "../shared/research/twitch-eventsub-examples is absent; skipping tests against Twitch's documented examples"

    public static func read(_ name: String) -> String? {
        guard let directory = examplesDirectory() else { return nil }
        return FileSystem.readText(directory + "/" + name)
    }

    public static func exampleFiles() -> [String] {
        guard let directory = examplesDirectory(), let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".json"), name != "envelopes.json", name != "known_answer_vectors.json" { names.append(name) }
        }
        return names.sorted()
    }

    /// The repository root (for tests that run built executables or read committed files).
    public static func repositoryRoot(file: StaticString = #filePath) -> String {
        var path = "\(file)"
        for _ in 0..<3 { if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) } }
        return path
    }
}
