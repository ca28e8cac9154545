import Settings

/// The dashboard keeps its session in cookies (the original design's "JWT in HTTP-only
/// cookies"): the access token and the refresh token `HttpOnly`, plus a CSRF token the page's
/// script reads and echoes in `X-CSRF-Token` on every mutating request (double submit: another
/// site can make the browser send the cookies, but cannot read one to put it in a header).
/// API clients send `Authorization: Bearer` instead and need no CSRF token.
///
/// `secure` (production): `__Host-` names, which browsers accept only with `Secure`, `Path=/` and
/// no `Domain`, so no subdomain and no plain-HTTP page can set or shadow them. Local runs over
/// plain HTTP use the same names without the prefix.
public struct SessionCookies: Sendable {
    public let secure: Bool

    public init(secure: Bool) {
        self.secure = secure
    }

    private var prefix: String { secure ? "__Host-" : "" }
    public var access: String { prefix + "ccr_access" }
    public var refresh: String { prefix + "ccr_refresh" }
    public var csrf: String { prefix + "ccr_csrf" }
    public static let csrfHeader = "x-csrf-token"

    /// Another cookie of the same kind (the sign-in's own short-lived ones).
    public func name(_ base: String) -> String { prefix + base }

    /// A `Set-Cookie` value. `maxAge` 0 deletes the cookie.
    public func setCookie(_ name: String, _ value: String, maxAge: Int, httpOnly: Bool = true) -> String {
        var parts = ["\(name)=\(value)", "Path=/", "Max-Age=\(maxAge)", "SameSite=Lax"]
        if httpOnly { parts.append("HttpOnly") }
        if secure { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }

    /// The cookies of a `Cookie` header (RFC 6265 §5.4: `name=value` pairs separated by `; `).
    /// The first of several equal names wins (the most specific path, which is all of ours).
    public static func parse(_ header: String?) -> [String: String] {
        guard let header else { return [:] }
        var cookies: [String: String] = [:]
        for pair in header.split(separator: ";") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = pair[..<equals].trimmingWhitespace()
            var value = pair[pair.index(after: equals)...].trimmingWhitespace()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            if !name.isEmpty, cookies[name] == nil { cookies[name] = value }
        }
        return cookies
    }

    /// Whether a cookie-authenticated request may change something: safe methods always; others
    /// only with the CSRF header equal to the CSRF cookie (compared in constant time), and not
    /// when the browser says the request came from another site (`Sec-Fetch-Site`).
    public func allowsMutation(method: String, cookies: [String: String], csrfHeader: String?, fetchSite: String?) -> Bool {
        if ["GET", "HEAD", "OPTIONS"].contains(method) { return true }
        if let fetchSite, fetchSite != "same-origin", fetchSite != "none" { return false }
        guard let expected = cookies[csrf], expected.utf8.count >= 16, let presented = csrfHeader else { return false }
        return ConstantTime.equal(Array(expected.utf8), Array(presented.utf8))
    }
}

/// Comparisons whose time does not depend on where the inputs differ.
public enum ConstantTime {
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

