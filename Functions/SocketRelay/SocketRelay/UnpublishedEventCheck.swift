import Synchronization
import NIOCore
import Logging
import BlockingIO
import Postgres

/// Finds events that were committed but never published and delivers them late.
///
/// Pub/sub keeps nothing: an event stored by a webhook process that was killed between its COMMIT
/// and its PUBLISH, or whose PUBLISH Redis refused while this relay's own subscription stayed up,
/// would otherwise reach dashboards only when they reconnect. Every `interval`, for the companies
/// with sockets here, the check asks Postgres (`recent_event_ids`, ids only) which events were
/// received since the previous check (at most `windowSeconds` back), at least `settleSeconds` ago
/// (a normal PUBLISH follows its COMMIT within milliseconds), and fetches, in each company's
/// tenant scope, those this relay never received. They are delivered like an outage replay:
/// sockets that recovered past them skip them, and each event loop's recent-event record drops
/// any that did arrive meanwhile.
///
/// Such an event arrives after newer live ones. Not covered: a dashboard that disconnects in the
/// seconds between a newer event and the late one resumes after the newer id and misses it (it
/// is in `GET /api/events`).
struct UnpublishedEventCheck: Sendable {
    let core: RelayCore
    let pool: PostgresPool
    let recovery: RecoveryService
    let published: RecentlyPublished
    let intervalMilliseconds: Int
    var windowSeconds = 60.0
    var settleSeconds = 1.0
    var maxRows = 50_000

    /// Overlap with the previous check's horizon (clock skew between this host and Postgres,
    /// commits that took a while).
    var overlapSeconds = 5.0

    /// Runs until cancelled. Events from before this relay was subscribed are not its business:
    /// sockets that connected since recovered them by event id. Each check starts a little before
    /// where the last successful one ended, so a check reads a few seconds of ids, not the window.
    func run() async {
        guard intervalMilliseconds > 0 else { return }
        var checkedThrough: Double?
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(intervalMilliseconds) * 1_000_000)
            guard core.redisConnected.load(ordering: .relaxed) else {
                // The outage replay covers the disconnected time; start over afterwards.
                checkedThrough = nil
                continue
            }
            let now = wallClockSeconds()
            guard let through = checkedThrough else {
                checkedThrough = now
                continue
            }
            let since = max(now - windowSeconds, through - overlapSeconds)
            if await check(receivedSince: since) { checkedThrough = now - settleSeconds }
        }
    }

    /// One check; false when Postgres could not be asked (the next one covers this one's time).
    @discardableResult
    func check(receivedSince: Double) async -> Bool {
        let companies = await core.companiesWithMembers()
        guard !companies.isEmpty else { return true }
        let window = (companies: Array(companies), since: receivedSince, settle: settleSeconds, limit: maxRows)
        let candidates: [String: [Int64]]
        do {
            candidates = try await pool.withConnection { connection in
                let rows = try connection.query(
                    "SELECT company_id::text AS company_id, id FROM recent_event_ids($1::uuid[], to_timestamp($2::float8), $3::float8, $4::integer)",
                    [PostgresArray.literal(window.companies), window.since, window.settle, window.limit]).rows
                var byCompany: [String: [Int64]] = [:]
                for row in rows { byCompany[try row.require("company_id"), default: []].append(try row.requireInt64("id")) }
                return byCompany
            }
        } catch {
            core.metrics.streamCheckFailures.add(1)
            core.logger.warning("could not check for unpublished events", metadata: ["error": "\(error)"])
            return false
        }
        var complete = true
        for (company, ids) in candidates {
            let missing = published.missing(ids)
            guard !missing.isEmpty else { continue }
            guard let events = try? await recovery.events(companyID: company, ids: missing) else {
                core.metrics.streamCheckFailures.add(1)
                complete = false
                continue
            }
            let stamp = monotonicNanoseconds()
            for event in events { published.insert(event.id, now: stamp) }
            core.metrics.unpublishedEventsDelivered.add(events.count)
            core.logger.warning("delivering events that were stored but never published",
                                metadata: ["company": "\(company)", "events": "\(events.count)"])
            for registry in core.registries {
                registry.eventLoop.execute { registry.deliverReplayed(events, companyID: company) }
            }
        }
        return complete
    }
}
