import BlockingIO
public import Logging
public import Postgres
public import WebSub

/// Keeps one WebSub subscription per tracked YouTube channel at the hub (`SubscriptionPlan`):
/// subscribes channels that are new, denied a while ago or whose lease ends soon, sends again
/// what the hub has not verified in time, and unsubscribes channels no company tracks any more.
///
/// Each row is written before its request goes out (`requested` / `unsubscribing`), so the hub's
/// verification, which may arrive before its 202 does, finds what we asked for; the webhook then
/// records the lease. The hub's answer (`WebSubHubAnswer`) is recorded on the row: a refusal
/// marks it `denied` with the hub's reason, a failure keeps it for the next run. One channel's
/// failure never stops the others; only a database failure fails the run (the queue retries).
public struct YouTubeSubscriptionReconciler: Sendable {
    public let push: YouTubePush
    public let hub: WebSubHubClient
    public let pool: PostgresPool
    public let plan: SubscriptionPlan.Options
    /// Restricts the run to these channels (tests sharing a database). nil: all.
    public let onlyChannelIDs: Set<String>?
    let logger: Logger
    var closeResources: @Sendable () async -> Void = {}

    public init(push: YouTubePush, hub: WebSubHubClient, pool: PostgresPool, logger: Logger, plan: SubscriptionPlan.Options = .init(),
                onlyChannelIDs: Set<String>? = nil) {
        self.push = push
        self.hub = hub
        self.pool = pool
        self.logger = logger
        self.plan = plan
        self.onlyChannelIDs = onlyChannelIDs
    }

    public func shutdown() async {
        await closeResources()
    }

    /// The request for `channelID` (callback `<YOUTUBE_WEBSUB_CALLBACK_URL>/<channel id>`), with
    /// the per-topic secret for a subscribe.
    public func request(_ mode: WebSubMode, channelID: String) -> WebSubSubscriptionRequest {
        push.request(mode, channelID: channelID)
    }

    public func run() async throws -> YouTubeSubscriptionsReport {
        let started = monotonicNanoseconds()
        let (tracked, rows, now) = try await read()
        var report = YouTubeSubscriptionsReport()
        report.tracked = tracked.count
        for action in SubscriptionPlan.actions(tracked: tracked, rows: rows, now: now, options: plan) {
            switch action {
            case .subscribe(let channel, let reason):
                try await send(.subscribe, channelID: channel, reason: reason, report: &report)
            case .unsubscribe(let channel, let reason):
                try await send(.unsubscribe, channelID: channel, reason: reason, report: &report)
            case .forget(let channel):
                report.forgotten += try await pool.withConnection { connection in
                    try connection.query("DELETE FROM websub_subscriptions WHERE channel_id = $1 AND status = 'denied'", [channel]).affectedRows
                }
            }
        }
        logger.info("youtube subscriptions reconciled", metadata: [
            "report": "\(report)", "milliseconds": "\((monotonicNanoseconds() - started) / 1_000_000)"])
        return report
    }

    // MARK: - Steps

    /// Tracked channel ids, the leases, and the database's clock (the leases were timed by it).
    private func read() async throws -> (Set<String>, [WebSubLeaseRow], Double) {
        let scope = onlyChannelIDs
        return try await pool.withConnection { connection in
            let tracked = Set(try connection.query("SELECT DISTINCT channel_id FROM tracked_channels('youtube')").rows
                .map { try $0.require("channel_id") }
                .filter { scope?.contains($0) ?? true })
            let result = try connection.query("""
                SELECT channel_id, status, lease_seconds, extract(epoch FROM lease_expires_at)::float8 AS lease_expires_at,
                       extract(epoch FROM requested_at)::float8 AS requested_at, extract(epoch FROM updated_at)::float8 AS updated_at
                FROM websub_subscriptions
                """)
            let rows = try result.rows.compactMap { row -> WebSubLeaseRow? in
                let channel = try row.require("channel_id")
                guard scope?.contains(channel) ?? true else { return nil }
                return WebSubLeaseRow(
                    channelID: channel, status: try row.require("status"), leaseSeconds: row["lease_seconds"].flatMap { Int($0) },
                    leaseExpiresAt: row["lease_expires_at"].flatMap(Double.init), requestedAt: Double(try row.require("requested_at")) ?? 0,
                    updatedAt: Double(try row.require("updated_at")) ?? 0)
            }
            let now = try connection.query("SELECT extract(epoch FROM now())::float8 AS now").first.flatMap { $0["now"] }.flatMap(Double.init)
            return (tracked, rows, now ?? wallClockSeconds())
        }
    }

    private func send(_ mode: WebSubMode, channelID: String, reason: String, report: inout YouTubeSubscriptionsReport) async throws {
        let request = request(mode, channelID: channelID)
        let status = mode == .subscribe ? "requested" : "unsubscribing"
        // First the row (the verification may come back before the hub's answer does).
        _ = try await pool.withConnection { connection in
            try connection.query("""
                INSERT INTO websub_subscriptions (channel_id, topic, status, requested_at, updated_at)
                VALUES ($1, $2, $3, now(), now())
                ON CONFLICT (channel_id) DO UPDATE SET topic = EXCLUDED.topic, status = EXCLUDED.status, requested_at = now(), updated_at = now()
                """, [channelID, request.topic, status])
        }
        let answer: WebSubHubAnswer
        do {
            answer = try await hub.send(request)
        } catch {
            report.failed += 1
            logger.warning("youtube hub request failed; the next run sends it again", metadata: [
                "channelId": "\(channelID)", "mode": "\(mode.rawValue)", "error": "\(error)"])
            try await recordError(channelID: channelID, status: status, "\(error)")
            return
        }
        let metadata: Logger.Metadata = ["channelId": "\(channelID)", "mode": "\(mode.rawValue)", "reason": "\(reason)", "answer": "\(answer)"]
        switch answer {
        case .accepted:
            if mode == .subscribe { report.subscribed += 1 } else { report.unsubscribed += 1 }
            logger.info("youtube hub accepted a request; it verifies with the callback", metadata: metadata)
            try await clearError(channelID: channelID, status: status)
        case .verified:
            if mode == .subscribe {
                report.subscribed += 1
            } else {
                // Verified synchronously, or the hub had no such subscription: either way it is gone.
                report.unsubscribed += 1
                _ = try await pool.withConnection { connection in
                    try connection.query("DELETE FROM websub_subscriptions WHERE channel_id = $1 AND status = 'unsubscribing'", [channelID])
                }
            }
            logger.info("youtube hub verified a request at once", metadata: metadata)
        case .refused(let code, let text) where !answer.isRetryable:
            report.refused += 1
            logger.warning("youtube hub refused a request", metadata: metadata)
            let error = "hub refused the \(mode.rawValue) (\(code))" + (text.isEmpty ? "" : ": \(text)")
            _ = try await pool.withConnection { connection in
                // A refused subscribe is a denial the next runs retry slowly; an unsubscribe keeps
                // its state (pushes for it are answered 410, which ends it at the hub too).
                try connection.query("""
                    UPDATE websub_subscriptions SET status = CASE WHEN status = 'requested' THEN 'denied' ELSE status END,
                        last_error = $3, updated_at = now()
                    WHERE channel_id = $1 AND status = $2
                    """, [channelID, status, error])
            }
        case .redirect(let code, let location):
            report.failed += 1
            logger.warning("youtube hub redirected a request; not followed (the body carries the secret)", metadata: metadata)
            try await recordError(channelID: channelID, status: status, "hub redirected (\(code)) to \(location ?? "nowhere"); not followed")
        case .refused(let code, let text), .failed(let code, let text):
            report.failed += 1
            logger.warning("youtube hub failed a request; the next run sends it again", metadata: metadata)
            try await recordError(channelID: channelID, status: status, "hub answered \(code)" + (text.isEmpty ? "" : ": \(text)"))
        }
    }

    private func recordError(channelID: String, status: String, _ error: String) async throws {
        let text = String(error.prefix(600))
        _ = try await pool.withConnection { connection in
            try connection.query("UPDATE websub_subscriptions SET last_error = $3, updated_at = now() WHERE channel_id = $1 AND status = $2",
                                 [channelID, status, text])
        }
    }

    private func clearError(channelID: String, status: String) async throws {
        _ = try await pool.withConnection { connection in
            try connection.query("UPDATE websub_subscriptions SET last_error = NULL WHERE channel_id = $1 AND status = $2", [channelID, status])
        }
    }
}
