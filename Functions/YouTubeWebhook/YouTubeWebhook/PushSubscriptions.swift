public import Postgres

/// The webhook's side of `websub_subscriptions` (migration 12): what the callback of a channel
/// was asked to verify, and the hub's verdicts. Rows are written by `youtube-subscriptions`
/// before it asks the hub, so a verification that arrives right after the hub's 202 finds them.
public struct PushSubscriptions: Sendable {
    /// A channel's row as far as the webhook cares.
    public struct Lease: Sendable, Equatable {
        /// `requested`, `verified`, `denied` or `unsubscribing`.
        public let status: String
        public let topic: String
    }

    let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    public func lease(channelID: String) async throws -> Lease? {
        try await postgres.withConnection { connection in
            guard let row = try connection.query("SELECT status, topic FROM websub_subscriptions WHERE channel_id = $1", [channelID]).first else {
                return nil
            }
            return Lease(status: try row.require("status"), topic: try row.require("topic"))
        }
    }

    /// The hub verified a subscribe: the lease runs from now. False when the row is no longer
    /// waiting for one (it changed to `unsubscribing` or went away meanwhile).
    func confirmSubscribe(channelID: String, topic: String, leaseSeconds: Int) async throws -> Bool {
        try await postgres.withConnection { connection in
            try connection.query("""
                UPDATE websub_subscriptions SET status = 'verified', lease_seconds = $3,
                    lease_expires_at = now() + make_interval(secs => $3::integer), verified_at = now(), last_error = NULL, updated_at = now()
                WHERE channel_id = $1 AND topic = $2 AND status IN ('requested', 'verified')
                """, [channelID, topic, leaseSeconds]).affectedRows == 1
        }
    }

    /// The hub verified an unsubscribe: the subscription is gone, and so is the row.
    func confirmUnsubscribe(channelID: String, topic: String) async throws -> Bool {
        try await postgres.withConnection { connection in
            try connection.query("DELETE FROM websub_subscriptions WHERE channel_id = $1 AND topic = $2 AND status = 'unsubscribing'",
                                 [channelID, topic]).affectedRows == 1
        }
    }

    /// `hub.mode=denied` (§5.2): the hub will not deliver; `youtube-subscriptions` tries again later.
    func deny(channelID: String, topic: String, reason: String) async throws -> Bool {
        try await postgres.withConnection { connection in
            try connection.query("""
                UPDATE websub_subscriptions SET status = 'denied', last_error = $3, updated_at = now()
                WHERE channel_id = $1 AND topic = $2 AND status IN ('requested', 'verified')
                """, [channelID, topic, reason]).affectedRows == 1
        }
    }
}
