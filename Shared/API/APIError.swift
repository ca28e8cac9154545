import FunctionRuntime
import JSONValue

/// Errors of the REST API, answered as `{"error":{"code","message","requestId"[,"fields"]}}`.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let message: String
    /// Field name → problem, for 422 validation errors.
    public let fields: [String: String]
    public var headers: [(String, String)] = []

    public init(status: Int, code: String, message: String, fields: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
    }

    public var description: String { "\(status) \(code): \(message)" }

    public static func unauthorized(_ message: String) -> APIError { .init(status: 401, code: "unauthorized", message: message) }
    public static func forbidden(_ message: String = "your role does not allow this") -> APIError {
        .init(status: 403, code: "forbidden", message: message)
    }
    /// Anything outside the caller's tenant is "not found": a 403 would confirm it exists.
    public static func notFound(_ what: String = "resource") -> APIError { .init(status: 404, code: "not_found", message: "no such \(what)") }
    public static func conflict(_ message: String) -> APIError { .init(status: 409, code: "conflict", message: message) }
    public static func validation(_ fields: [String: String]) -> APIError {
        .init(status: 422, code: "validation_failed", message: "some fields are not valid", fields: fields)
    }
    public static func badRequest(_ message: String) -> APIError { .init(status: 400, code: "bad_request", message: message) }
    public static func unavailable(_ message: String) -> APIError { .init(status: 503, code: "unavailable", message: message) }

    func response(requestID: String) -> FunctionResponse {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message), "requestId": .string(requestID)]
        if !fields.isEmpty { error["fields"] = .object(fields.mapValues(JSONValue.string)) }
        var response = FunctionResponse.json(["error": .object(error)], status: status)
        response.headers += headers.map { (name: $0.0, value: $0.1) }
        return response
    }
}
