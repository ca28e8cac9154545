import BlockingIO
import JSONValue
public import Logging
public import Postgres
public import TwitchAPI

/// Keeps Twitch EventSub in sync with what the agencies track (the subscription-renewal job).
///
/// Subscriptions do not expire at Twitch, so "renewal" is reconciliation of the desired set
/// against `GET /eventsub/subscriptions` (every page):
/// - desired: for every Twitch user in `tracked_twitch_users()`, `DesiredSubscription.forUser`
///   (types that need no authorization for everyone, authorization-requiring ones that a linked
///   creator's granted scopes and enabled types cover), plus `user.authorization.revoke` for our
///   client id (full runs only);
/// - ours: listed subscriptions whose webhook callback is exactly `callbackURL` (anything else
///   belongs to someone else and is never touched);
/// - per subscription (type + version + condition): `enabled` / `webhook_callback_verification_pending`
///   → kept; `webhook_callback_verification_failed` / `notification_failures_exceeded` /
///   `version_removed` → DELETE and create again; `authorization_revoked` / `user_removed` /
///   `moderator_removed` / `chat_user_banned` → left alone and counted as needing the creator to
///   re-authorize (recreating would fail or loop); unknown statuses → left alone and logged;
///   missing → created; ours that nobody wants (and surplus duplicates) → deleted.
///
/// Deletes run before creates so freed cost is available; a create whose expected cost (0 for an
/// authorized creator, else 1) would push `total_cost` past `max_total_cost` is skipped. 409 on
/// create means it exists already (the listing is re-read for that user to record it). A 429 with
/// an empty bucket waits until `Ratelimit-Reset` through `sleep` (bounded) and retries. Every
/// subscription the run knows is upserted into `eventsub_subscriptions` with its status; rows of
/// deleted ones (and of ours that Twitch no longer lists) are removed.
///
/// A run over an unchanged state sends no POST or DELETE (`RenewalReport.writeCalls == 0`).
public struct SubscriptionRenewer: Sendable {
    /// Waits for the rate-limit bucket. Tests pass one that records the wait and sleeps briefly.
    public typealias Sleep = @Sendable (RateLimitWait) async throws -> Void

    public struct Options: Sendable {
        /// Upper bound of one rate-limit wait (Twitch's bucket refills within a minute).
        public var maximumRateLimitWaitSeconds: Double
        /// Retries of one Helix call after 429 before the run fails.
        public var maximumRateLimitRetries: Int
        /// Bound on the pages of one listing.
        public var maximumPages: Int
        /// Restricts the run to these Twitch users: only their desired subscriptions are created and
        /// only ours whose condition names one of them are considered (sharding the job; tests that
        /// share a database with other tests). nil: every tracked user and every subscription of ours.
        public var onlyTwitchUserIDs: Set<String>?

        public init(maximumRateLimitWaitSeconds: Double = 65, maximumRateLimitRetries: Int = 5, maximumPages: Int = 500,
                    onlyTwitchUserIDs: Set<String>? = nil) {
            self.maximumRateLimitWaitSeconds = maximumRateLimitWaitSeconds
            self.maximumRateLimitRetries = maximumRateLimitRetries
            self.maximumPages = maximumPages
            self.onlyTwitchUserIDs = onlyTwitchUserIDs
        }
    }

    /// Statuses that deliver or are about to.
    public static let liveStatuses: Set<String> = ["enabled", "webhook_callback_verification_pending"]
    /// Statuses fixed by deleting and creating the subscription again.
    public static let recreateStatuses: Set<String> = [
        "webhook_callback_verification_failed", "notification_failures_exceeded", "version_removed",
    ]
    /// Statuses only the creator can fix (re-authorizing our client id, or a ban lifted).
    public static let reauthorizationStatuses: Set<String> = [
        "authorization_revoked", "user_removed", "moderator_removed", "chat_user_banned",
    ]

    public let helix: HelixClient
    public let pool: PostgresPool
    public let callbackURL: String
    public private(set) var options: Options
    let secret: String
    let logger: Logger
    let sleep: Sleep
    /// Closes what `fromEnvironment` opened (nothing for a renewer built with `init`).
    var closeResources: @Sendable () async -> Void = {}

    /// `pool` connects as the app role. `secret` (10–100 ASCII characters) signs deliveries of every
    /// subscription created; the webhook function verifies with the same secret.
    public init(helix: HelixClient, pool: PostgresPool, callbackURL: String, secret: String, logger: Logger,
                options: Options = Options(), sleep: @escaping Sleep = SubscriptionRenewer.sleepUntilReset) {
        self.helix = helix
        self.pool = pool
        self.callbackURL = callbackURL
        self.secret = secret
        self.logger = logger
        self.options = options
        self.sleep = sleep
    }

    /// The same renewer restricted to these Twitch users (a creator added, linked, unlinked or removed).
    public func scoped(to twitchUserIDs: Set<String>) -> SubscriptionRenewer {
        var copy = self
        copy.options.onlyTwitchUserIDs = options.onlyTwitchUserIDs.map { twitchUserIDs.intersection($0) } ?? twitchUserIDs
        return copy
    }

    /// Closes the database pool that `fromEnvironment` opened; a renewer built with `init` leaves
    /// its caller's pool alone.
    public func shutdown() async {
        await closeResources()
    }

    /// The default `sleep`: really waits.
    public static let sleepUntilReset: Sleep = { wait in
        guard wait.seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(wait.seconds * 1_000_000_000))
    }

    /// One reconciliation pass.
    public func run() async throws -> RenewalReport {
        let started = monotonicNanoseconds()
        let (users, listedAt) = try await loadTrackedUsers()
        var desired: [SubscriptionKey: DesiredSubscription] = [:]
        for user in users {
            for subscription in DesiredSubscription.forUser(user) { desired[subscription.key] = subscription }
        }
        if options.onlyTwitchUserIDs == nil {
            let revoke = DesiredSubscription.authorizationRevoke(clientID: helix.configuration.clientID)
            desired[revoke.key] = revoke
        }
        var run = RenewalRun(renewer: self)
        run.report.desired = desired.count
        do {
            try await run.reconcile(desired: desired)
        } catch {
            // Record what was done before the failure, then let the job be retried.
            do { try await run.persist(listedAt: listedAt, complete: false) } catch {
                logger.warning("could not record subscriptions after a failed run", metadata: ["error": "\(error)"])
            }
            logger.error("subscription renewal failed", metadata: ["error": "\(error)", "report": "\(run.report)"])
            throw error
        }
        try await run.persist(listedAt: listedAt, complete: true)
        logger.info("subscription renewal done", metadata: [
            "report": "\(run.report)", "milliseconds": "\((monotonicNanoseconds() - started) / 1_000_000)",
        ])
        return run.report
    }

    /// `tracked_twitch_users()` (restricted to the scope), and the database clock before the
    /// listing: rows the webhook function updates after it are newer than the listing and are not
    /// overwritten with what the listing said.
    func loadTrackedUsers() async throws -> (users: [TrackedTwitchUser], listedAt: String) {
        let scope = options.onlyTwitchUserIDs
        return try await pool.withConnection { connection in
            let listedAt = try connection.query("SELECT clock_timestamp()::text AS now").first?.require("now") ?? ""
            let rows = try connection.query("SELECT twitch_user_id, authorized_types FROM tracked_twitch_users()").rows
            var users: [TrackedTwitchUser] = []
            for row in rows {
                let id = try row.require("twitch_user_id")
                if let scope, !scope.contains(id) { continue }
                users.append(TrackedTwitchUser(twitchUserID: id, authorizedTypes: Set(PostgresArray.parse(row["authorized_types"] ?? "{}"))))
            }
            return (users, listedAt)
        }
    }

    /// Up to this many users, a scoped run lists each user's subscriptions instead of all of them.
    static let listByUserLimit = 20

    /// Whether a subscription of ours is within this run's scope (a scoped run never touches the
    /// deployment-wide ones, which name no user).
    func inScope(_ key: SubscriptionKey) -> Bool {
        guard let scope = options.onlyTwitchUserIDs else { return true }
        return key.userIDs.contains { scope.contains($0) }
    }

    /// How long to wait for a 429 with `resetAt`: until then, at least a moment, at most the bound.
    func waitFor(resetAt: Int64?) -> RateLimitWait {
        guard let resetAt else { return RateLimitWait(resetAt: nil, seconds: min(1, options.maximumRateLimitWaitSeconds)) }
        let seconds = Double(resetAt) - wallClockSeconds()
        return RateLimitWait(resetAt: resetAt, seconds: min(max(seconds, 0.05), options.maximumRateLimitWaitSeconds))
    }
}

extension HelixSubscription {
    var key: SubscriptionKey { SubscriptionKey(type: type, version: version, condition: condition) }
}
