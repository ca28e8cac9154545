import URLEncoding

/// Checks on redirect URIs and adding response parameters to them.
enum RedirectURI {
    /// Absolute `http(s)` URI of visible ASCII, no fragment, no backslash (which browsers read as
    /// a path separator), no whitespace.
    static func isWellFormed(_ uri: String) -> Bool {
        guard uri.hasPrefix("http://") || uri.hasPrefix("https://") else { return false }
        return uri.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") && $0 != UInt8(ascii: "\\") }
    }

    /// `http://127.0.0.1[:port]/…` or `http://localhost[:port]/…`. The authority is read
    /// strictly (no user info, a decimal port up to 65535), so `http://127.0.0.1:80@evil.example/`
    /// does not pass for loopback.
    static func isLoopback(_ uri: String) -> Bool {
        guard isWellFormed(uri), uri.hasPrefix("http://") else { return false }
        let rest = uri.dropFirst("http://".count)
        guard let slash = rest.firstIndex(of: "/") else { return false }
        let authority = rest[..<slash]
        if authority.contains("?") { return false }
        let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts[0] == "127.0.0.1" || parts[0] == "localhost" else { return false }
        if parts.count == 2 {
            let port = parts[1]
            guard (1...5).contains(port.count), port.allSatisfy(\.isASCIIDigit), let number = Int(port), number <= 65535 else { return false }
        }
        return true
    }

    /// `uri` with `parameters` added to its query (RFC 6749 §3.1.2: keep the query it has).
    static func adding(_ parameters: [(String, String)], to uri: String) -> String {
        PercentEncoding.appendingQuery(parameters, to: uri)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
