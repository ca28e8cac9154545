import JSONValue
import URLEncoding

/// One request as the endpoint handlers see it (already read from the socket), so the handlers
/// are plain functions over values.
struct OIDCRequest: Sendable {
    let method: String
    /// Relative to the issuer's path (an issuer `http://h/tenant` serves `/tenant/token` as `/token`).
    let path: String
    let query: QueryItems
    /// Lower-cased names; a repeated header keeps its first value.
    let headers: [String: String]
    let body: [UInt8]

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The media type of `Content-Type` without parameters, lower-cased (`application/x-www-form-urlencoded`).
    var mediaType: String? {
        guard let contentType = header("content-type") else { return nil }
        let type = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return type.trimmingSpaces.lowercased()
    }

    var isForm: Bool { mediaType == "application/x-www-form-urlencoded" }

    /// The body as form parameters (only call after checking `isForm`).
    var form: QueryItems { QueryItems(String(decoding: body, as: UTF8.self)) }
}

/// One response before it becomes a Hummingbird `Response`.
struct OIDCResponse: Sendable, Error {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    /// Responses carrying codes, tokens or personal data must not be cached (RFC 6749 §5.1).
    static let noStore: [(String, String)] = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]

    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> OIDCResponse {
        OIDCResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(JSONWriter.string(value).utf8))
    }

    static func text(_ status: Int, _ text: String) -> OIDCResponse {
        OIDCResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    /// The OAuth error shape of RFC 6749 §5.2, used by every JSON endpoint:
    /// `{"error":"invalid_grant","error_description":"…"}`, never cached.
    static func oauthError(_ status: Int, _ code: String, _ description: String, headers: [(String, String)] = []) -> OIDCResponse {
        json(status, ["error": .string(code), "error_description": .string(description)], headers: noStore + headers)
    }

    /// A 302 to `location`, never cached (it carries the code or the error).
    static func redirect(to location: String) -> OIDCResponse {
        OIDCResponse(status: 302, headers: [("Location", location)] + noStore, body: [])
    }

    static func html(_ status: Int, _ page: String) -> OIDCResponse {
        OIDCResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")] + noStore + HTMLPage.securityHeaders, body: Array(page.utf8))
    }

    static func methodNotAllowed(_ allowed: String) -> OIDCResponse {
        var response = oauthError(405, "invalid_request", "this endpoint takes \(allowed)")
        response.headers.append(("Allow", allowed))
        return response
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (header values, media types).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
