/// An error from Redis or from talking to it.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Could not connect or the connection broke (or is in its backoff window after breaking).
        case connection
        /// The server answered with an error reply.
        case reply
        /// The server refused the URL's credentials (AUTH): a wrong user name or password, or a
        /// disabled ACL user. The message names the user, never the password.
        case authentication
        /// The configuration (URL) is not usable.
        case configuration
    }

    public let kind: Kind
    public let message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "redis \(kind) error: \(message)" }
}
