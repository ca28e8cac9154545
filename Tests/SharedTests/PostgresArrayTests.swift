import Postgres
import TestSupport
import Testing

/// `PostgresArray.literal` and `parse` against Postgres itself: what we send as a `text[]`
/// parameter is the array Postgres stores, and what Postgres prints back parses to the same
/// elements (quotes, backslashes, commas, braces, spaces, empty strings, non-ASCII text,
/// combining marks right after a quote).
@Suite struct PostgresArrayTests {
    static let samples: [[String]] = [
        [],
        ["a"],
        ["a", "b c", ""],
        ["say \"hi\"", "back\\slash", "comma,inside", "{braces}", "NULLish", " lead", "trail "],
        ["été", "日本語", "emoji 🎮", "\"\u{301}quoted accent", "e\u{301}"],
    ]

    @Test func roundTripsThroughPostgres() throws {
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        for elements in Self.samples {
            let row = try connection.query("SELECT $1::text[]::text AS printed, cardinality($1::text[]) AS n", [PostgresArray.literal(elements)]).first
            let printed = try #require(row?["printed"])
            #expect(row?["n"] == String(elements.count))
            #expect(PostgresArray.parse(printed) == elements, "printed \(printed)")
        }
    }

    @Test func notAnArrayIsEmpty() {
        #expect(PostgresArray.parse("") == [])
        #expect(PostgresArray.parse("{}") == [])
        #expect(PostgresArray.parse("a,b") == [])
    }
}
