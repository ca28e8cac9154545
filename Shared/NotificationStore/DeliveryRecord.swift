public import Postgres

/// One `notification_deliveries` row (migration 11) as the `notify` job reads it: the outbox
/// entry for one (event, destination), or an admin's test send, and its delivery log.
public struct DeliveryRecord: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case pending, sending, retrying, delivered, skipped, disabled, failed

        /// Nothing more will be sent for this row.
        public var isFinal: Bool {
            switch self {
            case .delivered, .skipped, .disabled, .failed: return true
            case .pending, .sending, .retrying: return false
            }
        }
    }

    public let id: Int64
    public let companyID: String
    public let destinationID: String
    /// Nil only for test sends.
    public let eventID: Int64?
    public let creatorID: String?
    public let eventType: String
    public let status: Status
    /// Requests made so far (a claim counts one).
    public let attempts: Int
    public let testSend: Bool
    /// Seconds until `next_attempt_at` by the database's clock (zero or negative: due).
    public let dueInSeconds: Double
    /// Seconds left on a `sending` row's claim by the database's clock (negative: expired).
    public let claimLeftSeconds: Double?

    /// The row in the current tenant scope (RLS), or nil.
    public static func load(id: Int64, on connection: PostgresConnection) throws -> DeliveryRecord? {
        guard let row = try connection.query("""
            SELECT id, company_id, destination_id, event_id, creator_id, event_type, status, attempts, test_send,
                   extract(epoch FROM next_attempt_at - now())::float8 AS due_in,
                   extract(epoch FROM claimed_until - now())::float8 AS claim_left
            FROM notification_deliveries WHERE id = $1
            """, [id]).first else { return nil }
        let statusText = try row.require("status")
        guard let status = Status(rawValue: statusText) else {
            throw PostgresError(kind: .decoding, message: "notification delivery \(id) has an unknown status \(statusText)")
        }
        return DeliveryRecord(
            id: try row.requireInt64("id"), companyID: try row.require("company_id"), destinationID: try row.require("destination_id"),
            eventID: row["event_id"].flatMap { Int64($0) }, creatorID: row["creator_id"], eventType: try row.require("event_type"),
            status: status, attempts: Int(try row.requireInt64("attempts")), testSend: row.bool("test_send") ?? false,
            dueInSeconds: row["due_in"].flatMap { Double($0) } ?? 0, claimLeftSeconds: row["claim_left"].flatMap { Double($0) })
    }
}
