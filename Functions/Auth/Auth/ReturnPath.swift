/// Where to send the browser after sign-in: only a path on this origin. `//evil.example`,
/// `/\evil.example` (browsers read `\` as `/`), `https://…`, `javascript:` and control characters
/// are refused (RFC 9700 §4.11, open redirects leak codes and tokens); the dashboard is the default.
enum ReturnPath {
    static let fallback = "/"

    static func validated(_ candidate: String?) -> String? {
        guard let candidate, !candidate.isEmpty else { return fallback }
        guard candidate.utf8.count <= 512, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.hasPrefix("/\\"),
              !candidate.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F || $0 == UInt8(ascii: "\\") })
        else { return nil }
        return candidate
    }
}
