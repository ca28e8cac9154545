/// The rows of one statement, in Postgres' text format.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [Row]
    /// Rows inserted, updated or deleted (PQcmdTuples), 0 for other statements.
    public let affectedRows: Int

    public init(columns: [String], rows: [Row], affectedRows: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    public var first: Row? { rows.first }
    public var isEmpty: Bool { rows.isEmpty }

    public struct Row: Sendable {
        public let values: [String?]
        let columnIndex: [String: Int]

        /// The text value of a column, `nil` for SQL NULL.
        public subscript(_ column: String) -> String? {
            guard let index = columnIndex[column] else { return nil }
            return values[index]
        }

        /// The text value of a column that must be present and non-null.
        public func require(_ column: String) throws -> String {
            guard let index = columnIndex[column] else {
                throw PostgresError(kind: .decoding, message: "no column \(column) in result")
            }
            guard let value = values[index] else {
                throw PostgresError(kind: .decoding, message: "column \(column) is NULL")
            }
            return value
        }

        public func requireInt64(_ column: String) throws -> Int64 {
            let text = try require(column)
            guard let value = Int64(text) else {
                throw PostgresError(kind: .decoding, message: "column \(column) is not an integer: \(text)")
            }
            return value
        }

        public func bool(_ column: String) -> Bool? {
            self[column].map { $0 == "t" || $0 == "true" }
        }
    }
}
