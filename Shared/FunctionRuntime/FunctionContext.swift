public import Logging

/// What a function gets with each request or job: the id that ties its log lines together, and
/// a logger that carries that id on every line.
public struct FunctionContext: Sendable {
    public let requestID: String
    public let logger: Logger

    public init(requestID: String, logger: Logger) {
        self.requestID = requestID
        var logger = logger
        logger[metadataKey: "requestId"] = .string(requestID)
        self.logger = logger
    }
}
