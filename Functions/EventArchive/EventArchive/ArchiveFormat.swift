import JSONValue
public import Postgres

/// The archive object format: NDJSON, one `events` row per line, gzip-compressed, one object per
/// company per UTC day of `received_at`:
///
///     companies/{companyId}/events/YYYY/MM/DD/events.ndjson.gz
///
/// Each line is a JSON object with exactly these keys, in this order:
/// `id` (number), `company_id`, `creator_id` (string or null), `twitch_message_id`,
/// `subscription_type`, `subscription_version`, `source`, `broadcaster_user_id` (string or null),
/// `occurred_at`, `received_at` (RFC 3339 UTC with microseconds, exactly as Postgres stores them),
/// `data`, `payload` (the jsonb values in Postgres' own text form, so `line.payload::jsonb` equals
/// the stored value). Lines are ordered by `id` and end with `\n`.
///
/// The format is pinned here (its own select list and string escaping, not shared with the REST
/// API's), so the same rows always give the same bytes: a run that rebuilds an object after a crash
/// produces exactly what the interrupted run would have.
public enum ArchiveFormat {
    public static let contentType = "application/gzip"

    /// The columns `line(from:)` reads.
    public static let selectList = """
        id, company_id::text AS company_id, creator_id::text AS creator_id, twitch_message_id, subscription_type,
        subscription_version, source, broadcaster_user_id,
        to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at_text,
        to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_at_text,
        data::text AS data_text, payload::text AS payload_text
        """

    /// `companies/{companyId}/events/YYYY/MM/DD/events.ndjson.gz` for a day written `YYYY-MM-DD`.
    public static func objectKey(companyID: String, day: String) -> String {
        let parts = day.split(separator: "-")
        return "companies/\(companyID.lowercased())/events/\(parts.joined(separator: "/"))/events.ndjson.gz"
    }

    /// One NDJSON line (with its trailing newline) for a row selected with `selectList`.
    public static func line(from row: QueryResult.Row) throws -> String {
        var line = "{\"id\":"
        line += String(try row.requireInt64("id"))
        func field(_ name: String, _ value: String?) {
            line += ",\""
            line += name
            line += "\":"
            if let value { appendString(value, to: &line) } else { line += "null" }
        }
        field("company_id", try row.require("company_id"))
        field("creator_id", row["creator_id"])
        field("twitch_message_id", try row.require("twitch_message_id"))
        field("subscription_type", try row.require("subscription_type"))
        field("subscription_version", try row.require("subscription_version"))
        field("source", try row.require("source"))
        field("broadcaster_user_id", row["broadcaster_user_id"])
        field("occurred_at", try row.require("occurred_at_text"))
        field("received_at", try row.require("received_at_text"))
        // jsonb's text output is one line of valid JSON (control characters inside strings are escaped).
        line += ",\"data\":"
        line += try row.require("data_text")
        line += ",\"payload\":"
        line += try row.require("payload_text")
        line += "}\n"
        return line
    }

    /// A JSON string literal with the escapes RFC 8259 requires, nothing more.
    static func appendString(_ text: String, to output: inout String) {
        JSONWriter.writeString(text, into: &output, escapingHTML: false)
    }

    /// The `id` of an archived line: the digits after the leading `{"id":` (every line starts so).
    public static func eventID(ofLine line: some Collection<UInt8>) -> Int64? {
        let prefix = Array("{\"id\":".utf8)
        guard line.count > prefix.count, line.prefix(prefix.count).elementsEqual(prefix) else { return nil }
        var value: Int64 = 0
        var digits = 0
        for byte in line.dropFirst(prefix.count) {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// The event ids of a decompressed archive, in order; nil if a line is not an archive line or
    /// the text does not end with a newline.
    public static func eventIDs(ofContent content: [UInt8]) -> [Int64]? {
        guard !content.isEmpty else { return [] }
        guard content.last == UInt8(ascii: "\n") else { return nil }
        var ids: [Int64] = []
        for line in content.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
            guard let id = eventID(ofLine: line) else { return nil }
            ids.append(id)
        }
        return ids
    }
}
