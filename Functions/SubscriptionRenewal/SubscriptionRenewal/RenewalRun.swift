import BlockingIO
import JSONValue
import Logging
import Postgres
import TwitchAPI

/// The mutable state of one `SubscriptionRenewer.run()`: counts, the running cost, and what to
/// record in `eventsub_subscriptions` at the end.
struct RenewalRun {
    let renewer: SubscriptionRenewer
    var report = RenewalReport()
    /// `total_cost` as it stands after this run's creates and deletes (starts from the listing).
    var totalCost = 0
    /// `max_total_cost`; 0 when Twitch did not say (no limit enforced here then).
    var maximumTotalCost = 0
    /// Set once Twitch refused a create for cost: nothing more is created in this run.
    var costExhausted = false
    /// Subscriptions to upsert with their status (created, kept, left alone).
    var known: [String: HelixSubscription] = [:]
    /// Ids deleted at Twitch (their rows go).
    var deletedIDs: [String] = []
    /// Every id of ours Twitch listed or that this run created: other rows with our callback are stale.
    var seenIDs: Set<String> = []

    init(renewer: SubscriptionRenewer) {
        self.renewer = renewer
    }

    private var helix: HelixClient { renewer.helix }
    private var logger: Logger { renewer.logger }

    private enum CreateOutcome {
        case created(HelixSubscription)
        case exists
        case skippedForCost
        case refused
    }

    mutating func reconcile(desired: [SubscriptionKey: DesiredSubscription]) async throws {
        let listing = try await listOurs()
        totalCost = listing.totalCost
        maximumTotalCost = listing.maxTotalCost

        var actual: [SubscriptionKey: [HelixSubscription]] = [:]
        for subscription in listing.subscriptions where subscription.callback == renewer.callbackURL && renewer.inScope(subscription.key) {
            guard !seenIDs.contains(subscription.id) else { continue }
            actual[subscription.key, default: []].append(subscription)
            seenIDs.insert(subscription.id)
        }
        report.listed = seenIDs.count

        // Plan first, act after: deletes (freeing cost), then recreates, then creates.
        var toDelete: [HelixSubscription] = []
        var toRecreate: [(DesiredSubscription, [HelixSubscription])] = []
        var toCreate: [DesiredSubscription] = []

        for (key, subscriptions) in actual where desired[key] == nil {
            toDelete.append(contentsOf: subscriptions)
        }
        // Sorted so that runs are reproducible (and logs comparable).
        for key in desired.keys.sorted(by: { $0.description < $1.description }) {
            guard let wanted = desired[key] else { continue }
            let subscriptions = actual[key] ?? []
            if let live = subscriptions.first(where: { SubscriptionRenewer.liveStatuses.contains($0.status) }) {
                report.kept += 1
                known[live.id] = live
                // Twitch allows a few identical subscriptions; one is enough, the rest only cost.
                toDelete.append(contentsOf: subscriptions.filter { $0.id != live.id })
            } else if let revoked = subscriptions.first(where: { SubscriptionRenewer.reauthorizationStatuses.contains($0.status) }) {
                report.needsReauthorization += 1
                for subscription in subscriptions { known[subscription.id] = subscription }
                logger.notice("subscription needs the creator to re-authorize; left alone", metadata: [
                    "subscription": "\(key)", "id": "\(revoked.id)", "status": "\(revoked.status)",
                ])
            } else if subscriptions.contains(where: { SubscriptionRenewer.recreateStatuses.contains($0.status) }) {
                toRecreate.append((wanted, subscriptions))
            } else if let other = subscriptions.first {
                report.leftAlone += 1
                for subscription in subscriptions { known[subscription.id] = subscription }
                logger.warning("subscription in an unknown status; left alone", metadata: [
                    "subscription": "\(key)", "id": "\(other.id)", "status": "\(other.status)",
                ])
            } else {
                toCreate.append(wanted)
            }
        }

        for subscription in toDelete {
            if try await delete(subscription) { report.deleted += 1 }
        }
        for (wanted, dead) in toRecreate {
            guard fitsCost(wanted) else {
                report.skippedForCost += 1
                for subscription in dead { known[subscription.id] = subscription }
                continue
            }
            var removed = true
            for subscription in dead where removed {
                removed = try await delete(subscription)
            }
            guard removed else { continue }
            switch try await create(wanted) {
            case .created, .exists: report.recreated += 1
            case .skippedForCost: report.skippedForCost += 1
            case .refused: report.failed += 1
            }
        }
        for wanted in toCreate {
            guard fitsCost(wanted) else {
                report.skippedForCost += 1
                continue
            }
            switch try await create(wanted) {
            case .created: report.created += 1
            case .exists: report.alreadyExisted += 1
            case .skippedForCost: report.skippedForCost += 1
            case .refused: report.failed += 1
            }
        }
    }

    /// Every subscription the run may touch. A run for a few creators (a creator was added, linked
    /// or removed) lists only theirs (`user_id` filter, one short listing each) instead of every
    /// page of the deployment; a full run lists everything.
    private mutating func listOurs() async throws -> HelixSubscriptionList {
        let maximumPages = renewer.options.maximumPages
        let helix = self.helix
        guard let scope = renewer.options.onlyTwitchUserIDs, scope.count <= SubscriptionRenewer.listByUserLimit else {
            return try await call { () async throws(HelixError) in try await helix.eventSubSubscriptions(maximumPages: maximumPages) }
        }
        var subscriptions: [HelixSubscription] = []
        var totals = (0, 0, 0)
        for userID in scope.sorted() {
            let page = try await call { () async throws(HelixError) in
                try await helix.eventSubSubscriptions(userID: userID, maximumPages: maximumPages)
            }
            subscriptions += page.subscriptions
            totals = (page.total, page.totalCost, page.maxTotalCost)
        }
        return HelixSubscriptionList(subscriptions: subscriptions, total: totals.0, totalCost: totals.1, maxTotalCost: totals.2)
    }

    private func fitsCost(_ wanted: DesiredSubscription) -> Bool {
        guard !costExhausted else { return false }
        guard maximumTotalCost > 0 else { return true }
        return totalCost + wanted.expectedCost <= maximumTotalCost
    }

    /// DELETE; true when it is gone (404 counts: someone else deleted it already).
    private mutating func delete(_ subscription: HelixSubscription) async throws -> Bool {
        let helix = self.helix
        do {
            report.writeCalls += 1
            try await call(countingRetriesAsWrites: true) { () async throws(HelixError) in try await helix.deleteEventSubSubscription(id: subscription.id) }
        } catch HelixError.notFound {
            // Already gone.
        } catch let error as HelixError {
            guard case .requestFailed(let status, let message) = error, status < 500 else { throw error }
            report.failed += 1
            logger.warning("twitch refused to delete a subscription", metadata: [
                "id": "\(subscription.id)", "subscription": "\(subscription.key)", "status": "\(status)", "message": "\(message)",
            ])
            return false
        }
        if SubscriptionRenewer.liveStatuses.contains(subscription.status) { totalCost -= subscription.cost }
        deletedIDs.append(subscription.id)
        known[subscription.id] = nil
        logger.info("deleted subscription", metadata: [
            "id": "\(subscription.id)", "subscription": "\(subscription.key)", "status": "\(subscription.status)",
        ])
        return true
    }

    private mutating func create(_ wanted: DesiredSubscription) async throws -> CreateOutcome {
        let helix = self.helix
        let callback = renewer.callbackURL, secret = renewer.secret
        do {
            report.writeCalls += 1
            let created = try await call(countingRetriesAsWrites: true) { () async throws(HelixError) in
                try await helix.createEventSubSubscription(
                    type: wanted.type, version: wanted.version, condition: wanted.condition, callback: callback, secret: secret)
            }
            totalCost += created.cost
            known[created.id] = created
            seenIDs.insert(created.id)
            logger.info("created subscription", metadata: [
                "id": "\(created.id)", "subscription": "\(wanted.key)", "status": "\(created.status)", "cost": "\(created.cost)",
            ])
            return .created(created)
        } catch let error as HelixError {
            switch error {
            case .conflict:
                try await recordExisting(wanted)
                return .exists
            case .rateLimited(_, let message) where Self.isCostLimit(message):
                costExhausted = true
                logger.warning("max_total_cost reached; creating nothing more this run", metadata: [
                    "subscription": "\(wanted.key)", "message": "\(message)", "totalCost": "\(totalCost)",
                ])
                return .skippedForCost
            case .rateLimited(_, let message), .requestFailed(status: 400..<500, let message):
                // 400 (bad condition, unknown user), 403 (authorization missing), 429 cap on
                // identical subscriptions: this subscription's problem, not the run's.
                logger.warning("twitch refused to create a subscription", metadata: [
                    "subscription": "\(wanted.key)", "error": "\(error)", "message": "\(message)",
                ])
                return .refused
            default:
                throw error
            }
        }
    }

    /// After a 409: find the existing subscription (listing filtered by the user) and record it if
    /// it is ours. One with another callback belongs to someone else and stays untouched.
    private mutating func recordExisting(_ wanted: DesiredSubscription) async throws {
        let helix = self.helix
        let userID = wanted.twitchUserID, type = wanted.type
        let maximumPages = renewer.options.maximumPages
        let listing = try await call { () async throws(HelixError) in
            // Deployment-wide subscriptions name no user: filter by type instead.
            userID == nil ? try await helix.eventSubSubscriptions(type: type, maximumPages: maximumPages)
                          : try await helix.eventSubSubscriptions(userID: userID, maximumPages: maximumPages)
        }
        let matching = listing.subscriptions.filter { $0.key == wanted.key && SubscriptionRenewer.liveStatuses.contains($0.status) }
        if let ours = matching.first(where: { $0.callback == renewer.callbackURL }) {
            known[ours.id] = ours
            seenIDs.insert(ours.id)
            logger.info("create answered 409; the subscription exists", metadata: ["id": "\(ours.id)", "subscription": "\(wanted.key)"])
        } else {
            logger.warning("create answered 409: an identical subscription exists with another callback", metadata: [
                "subscription": "\(wanted.key)", "callbacks": "\(matching.compactMap(\.callback))",
            ])
        }
    }

    /// Twitch answers 429 for an exhausted cost budget too; that is no reason to wait.
    static func isCostLimit(_ message: String) -> Bool {
        message.lowercased().contains("cost")
    }

    /// A 429 that means "bucket empty, wait for Ratelimit-Reset" (not a cap on subscriptions).
    private func isBucketEmpty(_ message: String) -> Bool {
        let lowered = message.lowercased()
        if lowered.contains("cost") || lowered.contains("maximum subscriptions") { return false }
        // The 429 response's own headers: a bucket with points left means another kind of limit.
        if let limit = helix.lastRateLimit, limit.remaining > 0 { return false }
        return true
    }

    /// Runs one Helix call, waiting for the bucket on 429 (bounded by the options).
    private mutating func call<T>(countingRetriesAsWrites: Bool = false, _ body: () async throws(HelixError) -> T) async throws -> T {
        var retries = 0
        while true {
            do {
                return try await body()
            } catch {
                guard case .rateLimited(let resetAt, let message) = error, isBucketEmpty(message),
                      retries < renewer.options.maximumRateLimitRetries
                else { throw error }
                retries += 1
                report.rateLimitWaits += 1
                if countingRetriesAsWrites { report.writeCalls += 1 }
                let wait = renewer.waitFor(resetAt: resetAt)
                logger.notice("helix rate limit reached; waiting for the bucket", metadata: [
                    "resetAt": "\(resetAt.map(String.init) ?? "unknown")", "seconds": "\(wait.seconds)",
                ])
                try await renewer.sleep(wait)
            }
        }
    }

    // MARK: Recording

    /// Upserts every known subscription, deletes rows of deleted ones and, after a complete run,
    /// rows with our callback (in scope) that Twitch no longer lists.
    func persist(listedAt: String, complete: Bool) async throws {
        var records = "["
        for (index, subscription) in known.values.sorted(by: { $0.id < $1.id }).enumerated() {
            if index > 0 { records += "," }
            let object: JSONValue = [
                "id": .string(subscription.id), "type": .string(subscription.type), "version": .string(subscription.version),
                "condition": .object(subscription.condition.mapValues { .string($0) }), "status": .string(subscription.status),
                "callback": subscription.callback.map { .string($0) } ?? .null, "created_at": .string(subscription.createdAt),
            ]
            JSONWriter.write(object, into: &records)
        }
        records += "]"
        let upserts = records
        let deleted = PostgresArray.literal(deletedIDs)
        let seen = seenIDs, callback = renewer.callbackURL
        let scope = renewer.options.onlyTwitchUserIDs
        try await renewer.pool.transaction { connection in
            // A pending subscription never goes back to pending, so "pending" never overwrites a row
            // (the webhook function may have recorded `enabled` already), and no row changed after
            // the listing started is overwritten with what the listing said.
            try connection.query("""
                INSERT INTO eventsub_subscriptions (id, type, version, condition, status, callback, twitch_created_at, updated_at)
                SELECT r.id, r.type, r.version, r.condition, r.status, r.callback, NULLIF(r.created_at, '')::timestamptz, now()
                FROM jsonb_to_recordset($1::jsonb)
                    AS r(id text, type text, version text, condition jsonb, status text, callback text, created_at text)
                ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, callback = EXCLUDED.callback, updated_at = now()
                WHERE eventsub_subscriptions.status IS DISTINCT FROM EXCLUDED.status
                  AND EXCLUDED.status <> 'webhook_callback_verification_pending'
                  AND eventsub_subscriptions.updated_at <= $2::timestamptz
                """, [upserts, listedAt])
            try connection.query("DELETE FROM eventsub_subscriptions WHERE id = ANY ($1::text[])", [deleted])
            guard complete else { return }
            let rows = try connection.query("SELECT id, condition::text AS condition FROM eventsub_subscriptions WHERE callback = $1",
                                            [callback]).rows
            var stale: [String] = []
            for row in rows {
                let id = try row.require("id")
                guard !seen.contains(id) else { continue }
                if let scope {
                    let condition = (try? JSONParser.parse(try row.require("condition")))?.objectValue ?? [:]
                    let users = condition.filter { $0.key.hasSuffix("user_id") }.compactMap { $0.value.stringValue }
                    guard users.contains(where: { scope.contains($0) }) else { continue }
                }
                stale.append(id)
            }
            if !stale.isEmpty {
                try connection.query("DELETE FROM eventsub_subscriptions WHERE id = ANY ($1::text[]) AND updated_at <= $2::timestamptz",
                                     [PostgresArray.literal(stale), listedAt])
            }
        }
    }
}
