import Ingest
import Postgres
import Rooms

/// Missed events from Postgres, always inside the token's tenant scope (row-level security plus
/// an explicit `company_id = current_company_id()`), in id order.
struct RecoveryService: Sendable {
    struct ReplayedEvent: Sendable {
        let id: Int64
        /// The compact event JSON, byte-identical to what the webhook published.
        let json: [UInt8]
        /// `received_at` as Unix seconds (Postgres' clock).
        let storedAt: Double
    }

    /// The columns every query here returns: the compact event and its storage time.
    private static let columns = "\(EventRows.returning), extract(epoch FROM received_at)::float8 AS stored_at"

    enum Outcome: Sendable {
        case replay([ReplayedEvent])
        case refused(String)
    }

    let pool: PostgresPool
    let windowSeconds: Int
    let maxEvents: Int

    /// Events after `eventID`, if `eventID` is one of the company's events received within the
    /// recovery window and at most `maxEvents` followed it. Otherwise refused: the client
    /// refetches through REST (`GET /api/events?after=`).
    func replay(companyID: String, after eventID: Int64) async -> Outcome {
        guard windowSeconds > 0 else { return .refused("recovery is disabled") }
        // Ids start at 1: 0 stands for an offset that was no event id at all.
        guard eventID > 0 else { return .refused("unknown event id") }
        let window = windowSeconds
        let limit = maxEvents
        do {
            return try await pool.tenant(companyID) { connection -> Outcome in
                let check = try connection.query(
                    "SELECT received_at >= now() - make_interval(secs => $2::float8) AS fresh FROM events WHERE id = $1 AND company_id = current_company_id()",
                    [eventID, window])
                guard let row = check.first else { return .refused("unknown event id") }
                guard row.bool("fresh") == true else { return .refused("outside the recovery window") }
                let rows = try connection.query(
                    "SELECT \(Self.columns) FROM events WHERE company_id = current_company_id() AND id > $1 ORDER BY id LIMIT $2",
                    [eventID, limit + 1]).rows
                guard rows.count <= limit else { return .refused("too many missed events") }
                return .replay(try rows.map(Self.replayed))
            }
        } catch {
            return .refused("recovery unavailable")
        }
    }

    /// The company's events received in the last `seconds` (after `floorID`, which only helps the
    /// index), for the replay after a Redis outage. Nil when there are more than `maxEvents`.
    func recent(companyID: String, seconds: Double, floorID: Int64) async throws -> [ReplayedEvent]? {
        let limit = maxEvents
        return try await pool.tenant(companyID) { connection -> [ReplayedEvent]? in
            let rows = try connection.query(
                """
                SELECT \(Self.columns) FROM events
                WHERE company_id = current_company_id() AND id > $1 AND received_at >= now() - make_interval(secs => $2::float8)
                ORDER BY id LIMIT $3
                """, [floorID, seconds, limit + 1]).rows
            guard rows.count <= limit else { return nil }
            return try rows.map(Self.replayed)
        }
    }

    /// The company's events with these ids, in id order (tenant scope: another company's ids
    /// simply are not found).
    func events(companyID: String, ids: [Int64]) async throws -> [ReplayedEvent] {
        let list = PostgresArray.literal(ids.map(String.init))
        return try await pool.tenant(companyID) { connection -> [ReplayedEvent] in
            let rows = try connection.query(
                "SELECT \(Self.columns) FROM events WHERE company_id = current_company_id() AND id = ANY($1::bigint[]) ORDER BY id",
                [list]).rows
            return try rows.map(Self.replayed)
        }
    }

    private static func replayed(_ row: QueryResult.Row) throws -> ReplayedEvent {
        let event = try EventRows.compactEvent(from: row)
        return ReplayedEvent(id: event.id, json: event.jsonBytes, storedAt: Double(row["stored_at"] ?? "") ?? 0)
    }
}
