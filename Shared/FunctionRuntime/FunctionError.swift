import JSONValue

/// The one error a function throws to answer with a specific status, and the project's one error
/// shape: `{"error":{"code","message","requestId"[,"fields"]}}`. HTTP functions, the REST API and
/// the local router all render it here.
public struct FunctionError: Error, CustomStringConvertible, Sendable {
    public let status: Int
    public let code: String
    public let message: String
    /// Field name → problem, for 422 validation errors.
    public let fields: [String: String]
    /// Extra response headers (`allow`, `www-authenticate`, `retry-after`).
    public var headers: [(String, String)] = []

    public init(status: Int, code: String, message: String, fields: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
    }

    public var description: String { "\(status) \(code): \(message)" }

    /// The JSON body of this error.
    public func body(requestID: String?) -> String {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let requestID { error["requestId"] = .string(requestID) }
        if !fields.isEmpty { error["fields"] = .object(fields.mapValues(JSONValue.string)) }
        return JSONWriter.string(["error": .object(error)])
    }

    public static func badRequest(_ message: String) -> Self { .init(status: 400, code: "bad_request", message: message) }
    public static func unauthorized(_ message: String) -> Self { .init(status: 401, code: "unauthorized", message: message) }
    public static func forbidden(_ message: String = "your role does not allow this") -> Self {
        .init(status: 403, code: "forbidden", message: message)
    }
    /// Anything outside the caller's tenant is "not found": a 403 would confirm it exists.
    public static func notFound(_ what: String = "resource") -> Self { .init(status: 404, code: "not_found", message: "no such \(what)") }
    public static func methodNotAllowed(_ message: String) -> Self { .init(status: 405, code: "method_not_allowed", message: message) }
    public static func conflict(_ message: String) -> Self { .init(status: 409, code: "conflict", message: message) }
    public static func payloadTooLarge(_ limit: Int) -> Self {
        .init(status: 413, code: "payload_too_large", message: "request body is larger than \(limit) bytes")
    }
    public static func validation(_ fields: [String: String]) -> Self {
        .init(status: 422, code: "validation_failed", message: "some fields are not valid", fields: fields)
    }
    /// Never carries internals: those go to the log with the request id.
    public static let `internal` = Self(status: 500, code: "internal", message: "internal error")
    public static func badGateway(_ message: String) -> Self { .init(status: 502, code: "function_unavailable", message: message) }
    public static func unavailable(_ message: String) -> Self { .init(status: 503, code: "unavailable", message: message) }
}
