import JSONValue
import URLEncoding

/// One request as the endpoint handlers see it (already read from the socket).
struct StandInRequest: Sendable {
    let method: String
    let path: String
    let query: QueryItems
    /// Lower-cased names.
    let headers: [String: String]
    let body: [UInt8]
    /// The client's IP: the global limit is per IP for unauthenticated webhook calls.
    let remoteIP: String

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// `http://<Host>` for URLs the control API hands out.
    var baseURL: String { "http://" + (header("host") ?? "127.0.0.1") }
}

/// One response before it becomes a Hummingbird `Response`.
struct StandInResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    static func json(_ status: Int, _ value: JSONValue) -> StandInResponse {
        StandInResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(JSONWriter.string(value).utf8))
    }

    static func text(_ status: Int, _ text: String) -> StandInResponse {
        StandInResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    static func noContent() -> StandInResponse { StandInResponse(status: 204, headers: [], body: []) }

    /// Discord's JSON error: `{"message":"Unknown Webhook","code":10015}`.
    static func discord(_ status: Int, code: Int, _ message: String) -> StandInResponse {
        json(status, ["message": .string(message), "code": .int(Int64(code))])
    }

    /// Discord's 400 with per-field errors: `{"message":"Invalid Form Body","code":50035,"errors":{…}}`.
    static func invalidFormBody(_ errors: JSONValue) -> StandInResponse {
        json(400, ["message": "Invalid Form Body", "code": 50035, "errors": errors])
    }

    /// The control API's errors, in the product's shape.
    static func controlError(_ status: Int, _ code: String, _ message: String) -> StandInResponse {
        json(status, ["error": ["code": .string(code), "message": .string(message)]])
    }

    static let unknownWebhook = discord(404, code: 10015, "Unknown Webhook")
    static let invalidWebhookToken = discord(401, code: 50027, "Invalid Webhook Token")
    static let emptyMessage = discord(400, code: 50006, "Cannot send an empty message")
    static let invalidJSON = discord(400, code: 50109, "The request body contains invalid JSON.")

    /// A forced status's body, in the shape of the service that answers.
    static func forcedStatus(_ status: Int, service: Service) -> StandInResponse {
        switch service {
        case .discord: return discord(status, code: 0, "\(status): \(reasonPhrase(status))")
        case .slack: return text(status, status == 410 ? "channel_is_archived" : status >= 500 ? "rollup_error" : reasonPhrase(status))
        case .receiver: return text(status, reasonPhrase(status))
        }
    }

    enum Service { case discord, slack, receiver }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 410: return "Gone"
        case 413: return "Payload Too Large"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Error"
        }
    }
}
