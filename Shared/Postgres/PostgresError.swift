/// An error from Postgres or from talking to it.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke: the server may be down. Callers answer 5xx.
        case connection
        /// The server rejected a statement (`sqlState` says why).
        case query
        /// A row did not have the shape the caller expected.
        case decoding
    }

    public let kind: Kind
    public let message: String
    /// The five-character SQLSTATE, for example `23505` (unique violation) or `42501` (insufficient privilege).
    public let sqlState: String?

    public init(kind: Kind, message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    public var description: String {
        if let sqlState { return "postgres \(kind) error [\(sqlState)]: \(message)" }
        return "postgres \(kind) error: \(message)"
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isInsufficientPrivilege: Bool { sqlState == "42501" }
    /// Lock wait timed out (55P03), deadlock (40P01) or serialization failure (40001): the same
    /// statement may well succeed later; nothing is wrong with the data.
    public var isTransient: Bool { ["55P03", "40P01", "40001"].contains(sqlState) }
}
