import Logging

/// Per-request context handed to a function.
public struct FunctionContext: Sendable {
    public let requestID: String
    /// Carries `requestId` as metadata on every line.
    public let logger: Logger

    public init(requestID: String, logger: Logger) {
        self.requestID = requestID
        var logger = logger
        logger[metadataKey: "requestId"] = .string(requestID)
        self.logger = logger
    }
}

/// An HTTP function: one small handler, served on `$PORT` by `HTTPFunctionServer` (the Cloud Run
/// / Knative container contract) and called directly by tests.
public protocol HTTPFunction: Sendable {
    /// Requests with a larger body are answered 413 before the handler runs.
    var maxBodyBytes: Int { get }

    func handle(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse
}

extension HTTPFunction {
    public var maxBodyBytes: Int { 1 << 20 }
}

/// A job function: handles one decoded job taken from its Redis-backed queue.
public protocol JobFunction: Sendable {
    associatedtype Job: Sendable
    func handle(_ job: Job, context: FunctionContext) async throws
}
