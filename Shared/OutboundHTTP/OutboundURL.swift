/// A user-given `http(s)` URL taken apart by one strict parser, and put back together in a
/// canonical form that is the only thing handed to the HTTP client.
///
/// Why our own parser: SSRF bugs live in the differences between the parser that checks a URL
/// and the one that connects (`http://a@b`, `http://127.1`, `http:\\host`, a Unicode host that
/// normalises to another). Here anything ambiguous is refused, and the client receives the
/// canonical string, so the host it connects to is the host that was checked.
public struct OutboundURL: Sendable, Hashable, CustomStringConvertible {
    public enum Host: Sendable, Hashable {
        /// A DNS name, lower case, without a trailing dot.
        case name(String)
        /// An IPv4 or IPv6 literal.
        case address(IPAddress)
    }

    /// `https` or `http`, lower case.
    public let scheme: String
    public let host: Host
    /// The port written in the URL, if any.
    public let explicitPort: Int?
    /// Path and query as written (at least `/`); the fragment is dropped (never sent anyway).
    public let pathAndQuery: String

    /// The port the connection uses.
    public var port: Int { explicitPort ?? (scheme == "https" ? 443 : 80) }

    /// The host as it appears in the URL (IPv6 in brackets).
    public var hostText: String {
        switch host {
        case .name(let name): return name
        case .address(let address): return address.isIPv6 ? "[\(address)]" : "\(address)"
        }
    }

    /// The canonical URL: `scheme://host[:port]/path?query`.
    public var description: String {
        "\(scheme)://\(hostText)\(explicitPort.map { ":\($0)" } ?? "")\(pathAndQuery)"
    }

    /// Why a URL cannot be parsed; `reason` is a sentence for the user.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Parses an absolute `http`/`https` URL. Refuses credentials, spaces and control or
    /// non-ASCII characters, backslashes, percent-encoded or numeric-ambiguous hosts, zone ids and
    /// bad ports. (Whether the scheme, host and port are *allowed* is `OutboundURLPolicy`'s call.)
    public static func parse(_ text: String) -> Result<OutboundURL, ParseError> {
        func fail(_ reason: String) -> Result<OutboundURL, ParseError> { .failure(ParseError(reason: reason)) }
        guard !text.isEmpty else { return fail("the URL is empty") }
        guard text.utf8.count <= 2048 else { return fail("the URL is longer than 2048 characters") }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return fail("the URL must be ASCII without spaces or control characters (percent-encode the rest; hosts in punycode)")
        }
        guard !text.contains("\\") else { return fail("the URL must not contain backslashes") }
        guard let colon = text.firstIndex(of: ":") else { return fail("the URL needs a scheme (https://…)") }
        let scheme = text[..<colon].lowercased()
        guard scheme == "https" || scheme == "http" else { return fail("only https URLs are allowed (got \(scheme):)") }
        let afterScheme = text[text.index(after: colon)...]
        guard afterScheme.hasPrefix("//") else { return fail("the URL must start with \(scheme)://") }
        let rest = afterScheme.dropFirst(2)
        var authorityEnd = rest.endIndex
        if let index = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { authorityEnd = index }
        let authority = rest[..<authorityEnd]
        var tail = rest[authorityEnd...]
        if let hash = tail.firstIndex(of: "#") { tail = tail[..<hash] }
        guard !authority.contains("@") else { return fail("URLs must not contain credentials (user:password@host)") }
        if let reason = pathProblem(tail) { return fail(reason) }
        guard !authority.isEmpty else { return fail("the URL has no host") }

        // Host and port.
        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return fail("an IPv6 host needs a closing ]") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return fail("unexpected characters after the IPv6 host") }
                portPart = after.dropFirst()
            }
            guard !hostPart.contains("%") else { return fail("IPv6 zone ids (%…) are not allowed") }
            guard let address = IPAddress(hostPart), address.isIPv6 else { return fail("\(hostPart) is not a valid IPv6 address") }
            return finish(scheme: scheme, host: .address(address), portPart: portPart, tail: tail)
        }
        if let portColon = authority.lastIndex(of: ":") {
            hostPart = authority[..<portColon]
            portPart = authority[authority.index(after: portColon)...]
        } else {
            hostPart = authority
        }
        guard !hostPart.contains(":") else { return fail("an IPv6 host must be written in brackets ([…])") }
        guard !hostPart.contains("%") else { return fail("percent-encoded host names are not allowed") }
        var host = hostPart.lowercased()
        if host.hasSuffix(".") { host.removeLast() }  // "example.com." is the same name
        guard !host.isEmpty, host.utf8.count <= 253 else { return fail("the host name is empty or longer than 253 characters") }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        // WHATWG URL rule: a host whose last label is numeric is an IPv4 address. Only the plain
        // dotted quad is accepted; `127.1`, `0x7f.0.0.1`, `2130706433` or `0177.0.0.1` all mean
        // something to some resolver, so they are refused rather than guessed at.
        if let last = labels.last, isNumericLabel(last) {
            guard let address = IPAddress(host), !address.isIPv6 else {
                return fail("\(host) is not a plain IPv4 address (a.b.c.d in decimal without leading zeros)")
            }
            return finish(scheme: scheme, host: .address(address), portPart: portPart, tail: tail)
        }
        for label in labels {
            guard (1...63).contains(label.utf8.count) else { return fail("\(host) is not a valid host name (empty or over-long label)") }
            guard label.utf8.allSatisfy({ isHostCharacter($0) }), label.first != "-", label.last != "-" else {
                return fail("\(host) is not a valid host name (letters, digits and inner hyphens only; punycode for others)")
            }
        }
        return finish(scheme: scheme, host: .name(host), portPart: portPart, tail: tail)
    }

    private static func finish(scheme: String, host: Host, portPart: Substring?, tail: Substring) -> Result<OutboundURL, ParseError> {
        var port: Int?
        if let portPart {
            guard !portPart.isEmpty, portPart.utf8.count <= 5, portPart.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let value = Int(portPart), (1...65535).contains(value)
            else { return .failure(ParseError(reason: "the port must be a number from 1 to 65535")) }
            // The default port is dropped so that equal URLs compare equal.
            if value != (scheme == "https" ? 443 : 80) { port = value }
        }
        var pathAndQuery = String(tail)
        if pathAndQuery.isEmpty || pathAndQuery.hasPrefix("?") { pathAndQuery = "/" + pathAndQuery }
        return .success(OutboundURL(scheme: scheme, host: host, explicitPort: port, pathAndQuery: pathAndQuery))
    }

    /// RFC 3986 path and query characters only, `%` followed by two hex digits: anything else
    /// the HTTP client would refuse or re-encode in its own way.
    private static func pathProblem(_ tail: Substring) -> String? {
        let bytes = Array(tail.utf8)
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "{"),
                 UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"):
                return "the character \(Character(Unicode.Scalar(byte))) must be percent-encoded in the path or query"
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.count, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2]) else {
                    return "% in the path or query must start a percent-encoding (%XX)"
                }
            default:
                continue
            }
        }
        return nil
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }

    private static func isNumericLabel(_ label: Substring) -> Bool {
        guard !label.isEmpty else { return false }
        if label.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { return true }
        let lower = label.lowercased()
        guard lower.hasPrefix("0x") else { return false }
        return lower.dropFirst(2).utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    private static func isHostCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
    }
}
