import JobQueue
public import Logging
public import Postgres
public import Redis

/// `user.authorization.revoke`: a creator disconnected our app on Twitch (Connections settings).
/// Every agency's link for that Twitch user loses its tokens (`creator_links_revoked()`: one
/// audit row per agency, in its tenant scope; a redelivery changes nothing), and
/// `subscription-renewal` is asked to drop the authorization-only subscriptions now.
public struct AuthorizationRevocations: Sendable {
    let postgres: PostgresPool
    let redis: RedisClient?

    public init(postgres: PostgresPool, redis: RedisClient?) {
        self.postgres = postgres
        self.redis = redis
    }

    /// Returns how many links were revoked.
    public func revoke(twitchUserID: String, messageID: String, logger: Logger) async throws -> Int {
        let revoked = try await postgres.transaction { connection in
            try connection.query("SELECT company_id FROM creator_links_revoked($1, $2)", [twitchUserID, messageID]).rows.count
        }
        if let redis { await RenewalRequest.enqueue(twitchUserIDs: [twitchUserID], redis: redis, logger: logger) }
        return revoked
    }
}
