public import NIOCore

/// An endpoint the router answers itself, standing in for what production gets elsewhere (the
/// development JWKS, the local object store, queue metrics), checked before the route table.
public struct LocalEndpoint: Sendable {
    public let prefix: String
    public let handle: @Sendable (LocalRequest) async throws -> LocalResponse

    public init(prefix: String, handle: @escaping @Sendable (LocalRequest) async throws -> LocalResponse) {
        self.prefix = prefix
        self.handle = handle
    }
}

/// A whole request as a local endpoint sees it (header names lowercased).
public struct LocalRequest: Sendable {
    public let method: String
    public let path: String
    public let query: String?
    public let headers: [(name: String, value: String)]
    public let body: ByteBuffer
}

public struct LocalResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: ByteBuffer

    public init(status: Int, headers: [(String, String)], body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
