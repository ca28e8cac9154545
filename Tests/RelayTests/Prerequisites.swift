import Settings
import Testing

/// Third-party tools some relay tests need (node and mocha, python packages, Chromium). When one
/// is missing the test says so on stderr and skips; under `CI=true` it fails instead, so a CI run
/// never passes without having run it.
enum Prerequisites {
    /// True when `missing` is nil; otherwise prints the skip (or records a failure on CI).
    static func check(_ missing: String?, test: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard let missing else { return true }
        if Environment().optional("CI") == "true" {
            Issue.record("\(test) cannot run on CI: \(missing)", sourceLocation: sourceLocation)
        } else {
            FileHandleStderr.write("SKIPPED \(test): \(missing)\n")
        }
        return false
    }
}

/// Writes straight to stderr (visible in `swift test` output).
enum FileHandleStderr {
    static func write(_ text: String) {
        #if canImport(Glibc)
        var bytes = Array(text.utf8)
        _ = Glibc.write(2, &bytes, bytes.count)
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
