import Files

/// Twitch's documented example payloads and signed known-answer requests, kept beside the repo in
/// `../shared/research/twitch-eventsub-examples/` (never copied into it). Tests that use them go
/// through `Prerequisite.available(SharedResearch.missing)`: a visible skip where the folder is
/// absent, a failure under CI=true.
public enum SharedResearch {
    public static func examplesDirectory(file: StaticString = #filePath) -> String? {
        // Tests/TestSupport/SharedResearch.swift → repository root → ../shared/research/...
        var path = "\(file)"
        for _ in 0..<3 { if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) } }
        let candidate = path + "/../shared/research/twitch-eventsub-examples"
        return FileSystem.exists(candidate) ? candidate : nil
    }

    /// Nil when the examples are there; otherwise what is missing.
    public static var missing: String? {
        examplesDirectory() == nil ? "../shared/research/twitch-eventsub-examples is absent (Twitch's documented examples)" : nil
    }

    public static func read(_ name: String) -> String? {
        guard let directory = examplesDirectory() else { return nil }
        return FileSystem.readText(directory + "/" + name)
    }

    public static func exampleFiles() -> [String] {
        guard let directory = examplesDirectory(), let names = try? FileSystem.list(directory) else { return [] }
        return names.filter { $0.hasSuffix(".json") && $0 != "envelopes.json" && $0 != "known_answer_vectors.json" }
    }

    /// The repository root (for tests that run built executables or read committed files).
    public static func repositoryRoot(file: StaticString = #filePath) -> String {
        var path = "\(file)"
        for _ in 0..<3 { if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) } }
        return path
    }
}
