public import FunctionRuntime

/// An HTTP function: one small handler, served on `$PORT` by `HTTPFunctionServer` (the Cloud Run
/// / Knative container contract) and called directly by tests.
public protocol HTTPFunction: Sendable {
    /// Requests with a larger body are answered 413 before the handler runs.
    var maxBodyBytes: Int { get }

    /// Throwing a `FunctionError` answers with its status and the JSON error shape; any other
    /// error is logged and answered 500 without internals.
    func handle(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse
}

extension HTTPFunction {
    public var maxBodyBytes: Int { 1 << 20 }
}
