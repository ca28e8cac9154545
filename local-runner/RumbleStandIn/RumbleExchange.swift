import JSONValue
import URLEncoding

/// One request as the handlers see it (already read from the socket).
struct RumbleRequest: Sendable {
    let method: String
    let path: String
    let query: QueryItems
    /// Lower-cased names.
    let headers: [String: String]
    let body: [UInt8]

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as a JSON object (control endpoints); an empty body is an empty object.
    func jsonObject() -> Result<JSONValue, RumbleResponse> {
        if body.isEmpty { return .success(.object([:])) }
        guard let value = try? JSONParser.parse(body), value.objectValue != nil else {
            return .failure(.error(400, "request body must be a JSON object"))
        }
        return .success(value)
    }
}

/// One response before it becomes a Hummingbird `Response`.
struct RumbleResponse: Sendable, Error {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    static func json(_ status: Int, _ value: JSONValue) -> RumbleResponse {
        RumbleResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(JSONWriter.string(value).utf8))
    }

    static func text(_ status: Int, _ text: String) -> RumbleResponse {
        RumbleResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    /// Rumble documents no error bodies; the stand-in answers errors in the product's own shape,
    /// `{"error":{"code","message"}}`, and clients should go by the status.
    static func error(_ status: Int, _ message: String, headers: [(String, String)] = []) -> RumbleResponse {
        var response = json(status, ["error": ["code": .int(Int64(status)), "message": .string(message)]])
        response.headers += headers
        return response
    }

    /// The status page: no scripts, no framing, not cached.
    static func html(_ document: String) -> RumbleResponse {
        RumbleResponse(status: 200, headers: [
            ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
            ("X-Content-Type-Options", "nosniff"),
        ], body: Array(document.utf8))
    }
}
