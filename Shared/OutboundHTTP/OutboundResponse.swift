/// An HTTP response to an outgoing request, whatever its status (redirects are returned, never
/// followed).
public struct OutboundResponse: Sendable, Hashable {
    public let status: Int
    /// Header names in lower case; a repeated header's values joined with ", " (RFC 9110 §5.3).
    public let headers: [String: String]
    /// The body, at most `GuardedHTTPClient.Configuration.maximumResponseBytes` of it.
    public let body: [UInt8]
    /// True when the body was longer than the cap and was cut.
    public let bodyTruncated: Bool
    /// From the start of the call (DNS included) to the end of the body, in milliseconds.
    public let latencyMilliseconds: Double
    /// The address the connection went to (after the policy allowed it), for the delivery log.
    public let remoteAddress: IPAddress?

    public init(status: Int, headers: [String: String], body: [UInt8], bodyTruncated: Bool, latencyMilliseconds: Double,
                remoteAddress: IPAddress?) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyTruncated = bodyTruncated
        self.latencyMilliseconds = latencyMilliseconds
        self.remoteAddress = remoteAddress
    }

    /// A header by name, in any case.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as text (invalid UTF-8 repaired), for logs and error bodies.
    public var text: String { String(decoding: body, as: UTF8.self) }
}
