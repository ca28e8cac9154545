/// A value that can be sent as a query parameter. Parameters always travel separately from the
/// SQL text (PQexecParams), so no value is ever spliced into a statement.
public protocol PostgresParameter: Sendable {
    var postgresText: String { get }
}

extension String: PostgresParameter { public var postgresText: String { self } }
extension Substring: PostgresParameter { public var postgresText: String { String(self) } }
extension Int: PostgresParameter { public var postgresText: String { String(self) } }
extension Int64: PostgresParameter { public var postgresText: String { String(self) } }
extension Int32: PostgresParameter { public var postgresText: String { String(self) } }
extension Double: PostgresParameter { public var postgresText: String { String(self) } }
extension Bool: PostgresParameter { public var postgresText: String { self ? "true" : "false" } }
