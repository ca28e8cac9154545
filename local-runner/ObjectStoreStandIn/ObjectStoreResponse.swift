import ObjectStore
/// An HTTP response for the router to send as is: status, headers (lowercase names), body.
public struct ObjectStoreResponse: Sendable, Equatable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]
    /// The store failure behind a 5xx answer, for the caller's log (never sent to the client).
    public let storeError: LocalObjectStoreError?

    public init(status: Int, headers: [String: String], body: [UInt8], storeError: LocalObjectStoreError? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.storeError = storeError
    }

    /// S3's XML error body; none for HEAD, which has no body.
    static func error(_ error: S3ErrorResponse, method: String, storeError: LocalObjectStoreError? = nil) -> Self {
        let body = method == "HEAD" ? [] : error.body
        return Self(
            status: error.httpStatus, headers: ["content-type": S3ErrorResponse.contentType, "content-length": String(error.body.count)],
            body: body, storeError: storeError)
    }
}
