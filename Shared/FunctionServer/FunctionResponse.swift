public import FunctionRuntime
public import JSONValue

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
        json(bytes: JSONWriter.bytes(value), status: status)
    }

    /// A JSON body already written.
    public static func json(text: String, status: Int = 200) -> FunctionResponse {
        json(bytes: Array(text.utf8), status: status)
    }

    /// A JSON body already written as UTF-8 (for example by `CompactEvent.write(into:)`), taken as is.
    public static func json(bytes: [UInt8], status: Int = 200) -> FunctionResponse {
        FunctionResponse(status: status, headers: [("content-type", "application/json")], body: bytes)
    }

    /// A plain-text body.
    public static func text(_ text: String, status: Int = 200) -> FunctionResponse {
        FunctionResponse(status: status, headers: [("content-type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    /// The project-wide error shape (`FunctionError.body`), with the error's extra headers.
    public static func error(_ error: FunctionError, requestID: String?) -> FunctionResponse {
        FunctionResponse(status: error.status, headers: [("content-type", "application/json")] + error.headers,
                         body: Array(error.body(requestID: requestID).utf8))
    }
}

extension FunctionResponse {
    /// A server-rendered page (sign-in, creator linking): never cached, no script, no framing,
    /// forms only to this site, and no referrer (the URL may carry a single-use state).
    public static func page(_ html: String, status: Int = 200) -> FunctionResponse {
        FunctionResponse(status: status, headers: [
            ("content-type", "text/html; charset=utf-8"), ("cache-control", "no-store"),
            ("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"),
            ("x-frame-options", "DENY"), ("referrer-policy", "no-referrer"),
        ], body: Array(html.utf8))
    }
}
