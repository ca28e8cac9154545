import Settings

/// What a test needs from the machine (`../shared/research`, Chromium, node, nm). Where it is
/// missing, the test prints a visible skip and returns; under `CI=true` it fails instead, so a
/// CI run can never pass by quietly testing less.
public enum Prerequisite {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public static var isCI: Bool { Environment().optional("CI") == "true" }

    /// True when the test can run. `missing` is nil when everything is there, else why not.
    public static func available(_ missing: String?, test: String = #function) throws -> Bool {
        guard let missing else { return true }
        if isCI { throw Missing(description: "\(test): prerequisite missing under CI=true: \(missing)") }
        print("SKIP \(test): \(missing)")
        return false
    }
}
