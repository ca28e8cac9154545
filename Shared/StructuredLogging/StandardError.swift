#if canImport(Glibc)
import Glibc
#endif

/// Writes straight to file descriptor 2 (the C `stderr` global is not concurrency-safe in Swift 6).
public enum StandardError {
    public static func write(_ text: String) {
        var remaining = Array(text.utf8)
        while !remaining.isEmpty {
            let written = remaining.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            remaining.removeFirst(written)
        }
    }
}

/// Writes straight to file descriptor 1, unbuffered, so progress lines show at once even when
/// stdout is a file or a pipe.
public enum StandardOutput {
    public static func line(_ text: String) {
        var remaining = Array((text + "\n").utf8)
        while !remaining.isEmpty {
            let written = remaining.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            remaining.removeFirst(written)
        }
    }
}
