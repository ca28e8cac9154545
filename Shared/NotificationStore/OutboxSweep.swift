public import Postgres

/// The outbox rows whose `notify` job was lost: Redis lost it or was down when ingest enqueued,
/// a retry's delayed job vanished, or a worker died while sending (its claim expired).
/// `notification_deliveries_due` reads every company's rows (SECURITY DEFINER: ids only), so the
/// sweeper needs no tenant scope.
public enum OutboxSweep {
    /// Up to `limit` rows, oldest due first. `olderThanSeconds` leaves rows alone whose jobs are
    /// probably still queued (a backlog, a retry due just now).
    public static func due(olderThanSeconds: Int, limit: Int, on connection: PostgresConnection) throws -> [(id: Int64, companyID: String)] {
        try connection.query("SELECT delivery_id, company_id FROM notification_deliveries_due($1::integer, $2::integer)",
                             [olderThanSeconds, limit]).rows.map { (try $0.requireInt64("delivery_id"), try $0.require("company_id")) }
    }
}
