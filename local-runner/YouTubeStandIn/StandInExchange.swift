import JSONValue
import URLEncoding

/// One request as the endpoint handlers see it (already read from the socket), so the handlers
/// are plain functions over values.
struct StandInRequest: Sendable {
    let method: String
    let path: String
    let query: QueryItems
    /// Lower-cased names.
    let headers: [String: String]
    let body: [UInt8]

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// A form body (`application/x-www-form-urlencoded`) after the query, as the hub reads its
    /// parameters from either.
    var formParameters: QueryItems {
        let contentType = header("content-type")?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else { return query }
        return query.merging(QueryItems(String(decoding: body, as: UTF8.self)))
    }

    /// The body as a JSON object (control endpoints); an empty body is an empty object.
    func jsonObject() -> Result<JSONValue, StandInResponse> {
        if body.isEmpty { return .success(.object([:])) }
        guard let value = try? JSONParser.parse(body), value.objectValue != nil else {
            return .failure(.controlError(400, "request body must be a JSON object"))
        }
        return .success(value)
    }
}

/// One response before it becomes a Hummingbird `Response`.
struct StandInResponse: Sendable, Error {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    static func json(_ status: Int, _ value: JSONValue) -> StandInResponse {
        StandInResponse(status: status, headers: [("Content-Type", "application/json; charset=UTF-8")], body: Array(JSONWriter.string(value).utf8))
    }

    /// What the hub answers: a status and, for errors, one plain-text line.
    static func text(_ status: Int, _ text: String) -> StandInResponse {
        StandInResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    static func empty(_ status: Int) -> StandInResponse {
        StandInResponse(status: status, headers: [], body: [])
    }

    /// The status page: no scripts, no framing, not cached.
    static func html(_ document: String) -> StandInResponse {
        StandInResponse(status: 200, headers: [
            ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
            ("X-Content-Type-Options", "nosniff"),
        ], body: Array(document.utf8))
    }

    /// Control endpoints answer in the product's own error shape (they are not part of YouTube).
    static func controlError(_ status: Int, _ message: String) -> StandInResponse {
        json(status, ["error": ["code": .int(Int64(status)), "message": .string(message)]])
    }
}
