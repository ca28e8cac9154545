import Files
import JSONValue
import URLEncoding

/// The dashboard's static files (HTML, CSS, JavaScript modules; no build step), read once from a
/// directory at start and served from memory by the `dashboard` function:
///
/// - `/`, `/dashboard`, `/dashboard/` and `/dashboard/index.html`: the page, `Cache-Control: no-cache`
///   and a strict Content-Security-Policy (no inline script or style anywhere in the page);
/// - `/dashboard/<file>`: the other files, `Cache-Control: max-age=300`;
/// - `/dashboard/config.json`: where the relay and the API are, from a closure, never cached.
///
/// Every file carries a strong ETag (a hash of its bytes) and `If-None-Match` gets a 304. Only files
/// loaded at start can be served: a request path is a key into that table, so `..`, encoded
/// separators or symbolic links can never reach anything else on disk.
public struct DashboardAssets: Sendable {
    /// One file, ready to send.
    public struct Asset: Sendable {
        public let path: String
        public let bytes: [UInt8]
        public let contentType: String
        public let etag: String
    }

    /// The URL path everything except the page at `/` lives under.
    public static let basePath = "/dashboard"

    /// Relative path (`app.js`, `img/logo.svg`) → file.
    public let assets: [String: Asset]
    /// The `Content-Security-Policy` sent with the page.
    public let contentSecurityPolicy: String

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads every regular file under `directory` (dot-files and symbolic links are skipped).
    ///
    /// - Parameters:
    ///   - imageOrigins: origins the page may load images from besides itself, e.g. the object
    ///     store that serves uploaded logos (`https://bucket.s3.eu-west-1.amazonaws.com`).
    ///   - connectOrigins: origins the page may open connections to besides itself: the socket
    ///     relay, in both its http(s) and ws(s) forms (see `connectOrigins(forRelayURL:)`).
    public init(directory: String, imageOrigins: [String] = [], connectOrigins: [String] = []) throws {
        var files: [String: Asset] = [:]
        try Self.load(directory: directory, relative: "", into: &files, depth: 0)
        guard files["index.html"] != nil else {
            throw LoadError(description: "\(directory)/index.html is missing")
        }
        self.init(assets: files, imageOrigins: imageOrigins, connectOrigins: connectOrigins)
    }

    /// From files already in memory (tests).
    public init(assets: [String: Asset], imageOrigins: [String] = [], connectOrigins: [String] = []) {
        self.assets = assets
        contentSecurityPolicy = Self.policy(imageOrigins: imageOrigins, connectOrigins: connectOrigins)
    }

    public static func asset(path: String, bytes: [UInt8]) -> Asset {
        Asset(path: path, bytes: bytes, contentType: contentType(forPath: path), etag: etag(for: bytes))
    }

    // MARK: policy

    /// `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: …;
    /// connect-src 'self' …; frame-ancestors 'none'`, plus `base-uri`, `form-action` and
    /// `object-src` locked down (they do not fall back to default-src).
    static func policy(imageOrigins: [String], connectOrigins: [String]) -> String {
        let images = (["'self'", "data:"] + imageOrigins.filter(isSourceExpression)).joined(separator: " ")
        let connects = (["'self'"] + connectOrigins.filter(isSourceExpression)).joined(separator: " ")
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src \(images); connect-src \(connects); "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    /// An origin is put into the header verbatim, so refuse anything that could end the
    /// directive or add another one (`;`, `,`, quotes, whitespace, control characters).
    static func isSourceExpression(_ origin: String) -> Bool {
        !origin.isEmpty && origin.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: ";") && byte != UInt8(ascii: ",") && byte != UInt8(ascii: "'")
                && byte != UInt8(ascii: "\"")
        }
    }

    /// The origin of `url` (`scheme://host[:port]`), or nil when it is not an http(s)/ws(s) URL.
    public static func origin(of url: String) -> String? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard ["http", "https", "ws", "wss"].contains(scheme) else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        return scheme + "://" + authority.lowercased()
    }

    /// The relay's origin in the forms a browser uses for it: `http://h:p` and `ws://h:p` (or the
    /// `https`/`wss` pair). CSP matches `connect-src` per scheme, so both are listed.
    public static func connectOrigins(forRelayURL url: String) -> [String] {
        guard let origin = origin(of: url), let schemeEnd = origin.firstRange(of: "://") else { return [] }
        let authority = origin[schemeEnd.upperBound...]
        switch origin[..<schemeEnd.lowerBound] {
        case "http", "ws": return ["http://\(authority)", "ws://\(authority)"]
        default: return ["https://\(authority)", "wss://\(authority)"]
        }
    }

    /// `{"relayUrl": "...", "apiBase": "..."}`, escaped like every JSON the project writes.
    public static func configJSON(relayURL: String?, apiBase: String = "") -> String {
        var text = "{\"relayUrl\":"
        if let relayURL { JSONWriter.writeString(relayURL, into: &text) } else { text += "null" }
        text += ",\"apiBase\":"
        JSONWriter.writeString(apiBase, into: &text)
        return text + "}"
    }

    // MARK: serving

    /// What a request gets, independent of the HTTP server (so tests can check it directly).
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    /// Answers `method` on the raw (still percent-encoded) request `path`.
    public func reply(method: String, path rawPath: String, ifNoneMatch: String?, config: () -> String) -> Reply {
        let common: [(String, String)] = [("x-content-type-options", "nosniff")]
        guard method == "GET" || method == "HEAD" else {
            return Reply(status: 405, headers: common + [("allow", "GET, HEAD"), ("content-type", "text/plain; charset=utf-8")],
                         body: Array("method not allowed\n".utf8))
        }
        guard let relative = Self.relativePath(rawPath) else {
            return Self.notFound(common)
        }
        if relative == "config.json" {
            let body = Array(config().utf8)
            return Reply(status: 200, headers: common + [("content-type", "application/json; charset=utf-8"), ("cache-control", "no-store")],
                         body: method == "HEAD" ? [] : body)
        }
        guard let asset = assets[relative] else { return Self.notFound(common) }
        var headers = common
        headers.append(("etag", asset.etag))
        let isPage = relative == "index.html"
        headers.append(("cache-control", isPage ? "no-cache" : "max-age=300"))
        if isPage {
            headers.append(("content-security-policy", contentSecurityPolicy))
            // The page may be opened with ?token=…; never send that URL anywhere as a referrer.
            headers.append(("referrer-policy", "no-referrer"))
            headers.append(("x-frame-options", "DENY"))
            headers.append(("cross-origin-opener-policy", "same-origin"))
        }
        if let ifNoneMatch, Self.matches(ifNoneMatch, etag: asset.etag) {
            return Reply(status: 304, headers: headers, body: [])
        }
        headers.append(("content-type", asset.contentType))
        return Reply(status: 200, headers: headers, body: method == "HEAD" ? [] : asset.bytes)
    }

    private static func notFound(_ headers: [(String, String)]) -> Reply {
        Reply(status: 404, headers: headers + [("content-type", "text/plain; charset=utf-8"), ("cache-control", "no-cache")],
              body: Array("not found\n".utf8))
    }

    /// The asset key for a request path, or nil. `/`, `/dashboard`, `/dashboard/` → `index.html`.
    /// Percent-escapes are decoded first; anything that then contains a NUL, a backslash, an
    /// empty, `.` or `..` segment, or a segment starting with a dot is refused.
    static func relativePath(_ rawPath: String) -> String? {
        let pathOnly = rawPath.prefix { $0 != "?" && $0 != "#" }
        guard let path = PercentEncoding.decode(pathOnly) else { return nil }
        if path == "/" || path == basePath || path == basePath + "/" { return "index.html" }
        guard path.hasPrefix(basePath + "/") else { return nil }
        let relative = String(path.dropFirst(basePath.count + 1))
        let segments = relative.split(separator: "/", omittingEmptySubsequences: false)
        for segment in segments {
            if segment.isEmpty || segment.hasPrefix(".") { return nil }
        }
        guard !relative.utf8.contains(0), !relative.contains("\\") else { return nil }
        return relative
    }

    /// `If-None-Match`: `*`, or a list of (possibly weak) entity tags; weak comparison (RFC 9110 §13.1.2).
    static func matches(_ header: String, etag: String) -> Bool {
        let bare = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        for candidate in header.split(separator: ",") {
            var tag = Substring(candidate)
            while tag.first == " " { tag = tag.dropFirst() }
            while tag.last == " " { tag = tag.dropLast() }
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == bare { return true }
        }
        return false
    }

    // MARK: content types and hashes

    public static func contentType(forPath path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let ext = name.contains(".") ? String(name.split(separator: ".").last!).lowercased() : ""
        switch ext {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json", "map": return "application/json; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "webp": return "image/webp"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "txt": return "text/plain; charset=utf-8"
        case "webmanifest": return "application/manifest+json"
        default: return "application/octet-stream"
        }
    }

    /// A strong ETag from the bytes: two independent 64-bit FNV-1a hashes (different offset
    /// bases) and the length. Cache validation only needs "changed or not", not collision
    /// resistance against an attacker (the files are ours).
    public static func etag(for bytes: [UInt8]) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in bytes {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            second = second &+ (second >> 29)
        }
        return "\"" + hex(first) + hex(second) + "-" + String(bytes.count, radix: 16) + "\""
    }

    private static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }

    // MARK: loading (Glibc, no Foundation)

    private static func load(directory: String, relative: String, into files: inout [String: Asset], depth: Int) throws {
        guard depth < 8 else { return }
        let path = relative.isEmpty ? directory : directory + "/" + relative
        let names: [String]
        do { names = try FileSystem.list(path) } catch { throw LoadError(description: "cannot open directory \(path): \(error)") }
        for name in names where !name.hasPrefix(".") {
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            switch FileSystem.kind(path + "/" + name) {
            case .directory:
                try load(directory: directory, relative: childRelative, into: &files, depth: depth + 1)
            case .file:
                guard let bytes = (try? FileSystem.readRegularFile(path + "/" + name)) ?? nil else {
                    throw LoadError(description: "cannot read \(path)/\(name)")
                }
                files[childRelative] = asset(path: childRelative, bytes: bytes)
            case .other, .missing:
                continue  // symbolic links, sockets, …: never served
            }
        }
    }
}
