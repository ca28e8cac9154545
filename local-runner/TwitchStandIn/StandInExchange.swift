import URLEncoding
import JSONValue

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

    /// The body as a JSON object, or a 400 in Twitch's shape.
    func jsonObject() -> Result<JSONValue, StandInResponse> {
        guard let value = try? JSONParser.parse(body), value.objectValue != nil else {
            return .failure(.helixError(400, "request body must be a JSON object"))
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
        StandInResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(JSONWriter.string(value).utf8))
    }

    static func noContent() -> StandInResponse {
        StandInResponse(status: 204, headers: [], body: [])
    }

    /// A 302 to `location`; never cached (it carries a code or an error for one request).
    static func redirect(to location: String) -> StandInResponse {
        StandInResponse(status: 302, headers: [("Location", location), ("Cache-Control", "no-store")], body: [])
    }

    /// An HTML page (the consent page) with headers that forbid scripts, framing and caching.
    static func html(_ status: Int, _ document: String) -> StandInResponse {
        StandInResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
            + ConsentPage.securityHeaders, body: Array(document.utf8))
    }

    /// Helix's error shape: `{"error":"Unauthorized","status":401,"message":"Invalid OAuth token"}`.
    static func helixError(_ status: Int, _ message: String) -> StandInResponse {
        json(status, ["error": .string(reasonPhrase(status)), "status": .int(Int64(status)), "message": .string(message)])
    }

    /// The OAuth endpoints' error shape, without `error`: `{"status":403,"message":"invalid client secret"}`.
    static func oauthError(_ status: Int, _ message: String) -> StandInResponse {
        json(status, ["status": .int(Int64(status)), "message": .string(message)])
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 413: return "Payload Too Large"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Error"
        }
    }
}
