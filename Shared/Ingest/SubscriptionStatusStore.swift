public import EventSub
import JSONValue
public import Postgres

/// Records the state of EventSub subscriptions as Twitch reports it (challenge answered →
/// `enabled`, revocation → its reason). Global data, not tenant data.
public struct SubscriptionStatusStore: Sendable {
    private let postgres: PostgresPool

    public init(postgres: PostgresPool) {
        self.postgres = postgres
    }

    public func record(_ subscription: EventSubSubscription, status: String) async throws {
        let condition = JSONWriter.string(.object(subscription.condition))
        let createdAt = subscription.createdAt.flatMap(RFC3339.unixSeconds).map { RFC3339.format(unixSeconds: $0) }
        _ = try await postgres.withConnection { connection in
            try connection.query("""
                INSERT INTO eventsub_subscriptions (id, type, version, condition, status, callback, twitch_created_at, updated_at)
                VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::timestamptz, now())
                ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, updated_at = now(),
                    callback = COALESCE(EXCLUDED.callback, eventsub_subscriptions.callback)
                """, [subscription.id, subscription.type, subscription.version, condition, status, subscription.callback, createdAt])
        }
    }
}
