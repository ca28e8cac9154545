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

    /// A column's position, looked up by name once per result instead of once per row and field
    /// (readers of many rows).
    public struct Column: Sendable {
        public let name: String
        let index: Int
    }

    /// The first column of that name.
    public func column(_ name: String) throws -> Column {
        guard let index = columns.firstIndex(of: name) else { throw PostgresError(kind: .decoding, message: "no column \(name) in result") }
        return Column(name: name, index: index)
    }

    public struct Row: Sendable {
        public let values: [String?]
        let columnIndex: [String: Int]

        /// The first column of that name.
        public func column(_ name: String) throws -> Column {
            guard let index = columnIndex[name] else { throw PostgresError(kind: .decoding, message: "no column \(name) in result") }
            return Column(name: name, index: index)
        }

        /// The text value of a column, `nil` for SQL NULL.
        public subscript(_ column: String) -> String? {
            guard let index = columnIndex[column] else { return nil }
            return values[index]
        }

        /// The text value of a column of this row's result, `nil` for SQL NULL.
        public subscript(_ column: Column) -> String? {
            values.indices.contains(column.index) ? values[column.index] : nil
        }

        /// The text value of a column that must be present and non-null.
        public func require(_ column: String) throws -> String {
            try require(self.column(column))
        }

        public func require(_ column: Column) throws -> String {
            guard values.indices.contains(column.index) else {
                throw PostgresError(kind: .decoding, message: "no column \(column.name) in result")
            }
            guard let value = values[column.index] else {
                throw PostgresError(kind: .decoding, message: "column \(column.name) is NULL")
            }
            return value
        }

        public func requireInt64(_ column: String) throws -> Int64 {
            try requireInt64(self.column(column))
        }

        public func requireInt64(_ column: Column) throws -> Int64 {
            let text = try require(column)
            guard let value = Int64(text) else {
                throw PostgresError(kind: .decoding, message: "column \(column.name) is not an integer: \(text)")
            }
            return value
        }

        public func bool(_ column: String) -> Bool? {
            self[column].map { $0 == "t" || $0 == "true" }
        }
    }
}
