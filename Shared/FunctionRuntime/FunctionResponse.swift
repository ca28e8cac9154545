import JSONValue

/// An HTTP response from a function.
public struct FunctionResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers.map { (name: $0.0, value: $0.1) }
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// A JSON body.
    public static func json(_ value: JSONValue, status: Int = 200) -> FunctionResponse {
        FunctionResponse(status: status, headers: [("content-type", "application/json")], body: Array(JSONWriter.string(value).utf8))
    }

    /// A plain-text body.
    public static func text(_ text: String, status: Int = 200) -> FunctionResponse {
        FunctionResponse(status: status, headers: [("content-type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    /// The project-wide error shape: `{"error":{"code","message","requestId"}}`.
    public static func error(status: Int, code: String, message: String, requestID: String?) -> FunctionResponse {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let requestID { error["requestId"] = .string(requestID) }
        return json(["error": .object(error)], status: status)
    }
}

/// Thrown by a handler to answer with a specific error status and code.
public struct HTTPFunctionError: Error, CustomStringConvertible, Sendable {
    public let status: Int
    public let code: String
    public let message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code): \(message)" }

    public static func notFound(_ message: String = "no such resource") -> Self { .init(status: 404, code: "not_found", message: message) }
    public static func methodNotAllowed(_ message: String) -> Self { .init(status: 405, code: "method_not_allowed", message: message) }
    public static func badRequest(_ message: String) -> Self { .init(status: 400, code: "bad_request", message: message) }
    public static func payloadTooLarge(_ limit: Int) -> Self {
        .init(status: 413, code: "payload_too_large", message: "request body is larger than \(limit) bytes")
    }
    public static func unavailable(_ message: String) -> Self { .init(status: 503, code: "unavailable", message: message) }
}
