public import Postgres

/// The state changes of a delivery row, each one conditional UPDATE in the caller's tenant scope.
///
/// Exactly once, as far as it goes: `claim` moves a row to `sending` for one attempt only if no
/// one else holds it, so two jobs for the same row (a redelivered Twitch notification never gets
/// a second row; a sweeper's duplicate job, or a worker's job handed to another after a crash,
/// does get here) cannot both send. `finish` applies only while that attempt still holds the
/// claim. The window that remains is a worker that dies (or stalls past `claimed_until`) after
/// the destination accepted the message and before `finish` commits: the claim expires and the
/// next attempt sends again. Signed webhooks carry the same `webhook-id` on every attempt so a
/// receiver can drop the repeat; Discord and Slack webhooks have no idempotency key to offer.
extension DeliveryRecord {
    /// Takes the row for one attempt: `pending`/`retrying` rows that are due (`earlySeconds` of
    /// clock slack between the queue's timer and the database's), or `sending` rows whose claim
    /// expired (the worker died). Returns the attempt number, or nil when the row is not
    /// claimable (finished, held by another worker, or not yet due).
    public static func claim(id: Int64, claimSeconds: Double, earlySeconds: Double = 1, on connection: PostgresConnection) throws -> Int? {
        try connection.query("""
            UPDATE notification_deliveries
            SET status = 'sending', attempts = attempts + 1, claimed_until = now() + make_interval(secs => $2::float8)
            WHERE id = $1
              AND ((status IN ('pending', 'retrying') AND next_attempt_at <= now() + make_interval(secs => $3::float8))
                   OR (status = 'sending' AND claimed_until < now()))
            RETURNING attempts
            """, [id, claimSeconds, earlySeconds]).first.map { Int(try $0.requireInt64("attempts")) }
    }

    /// What became of one attempt.
    public enum Outcome: Sendable, Hashable {
        /// Accepted; `remoteMessageID` is Discord's message id (`?wait=true`).
        case delivered(remoteMessageID: String?)
        /// Try again in `afterSeconds` (rate limited, or a transient failure with backoff).
        case retry(afterSeconds: Double, error: String)
        /// Refused for good: the dead letter, with why.
        case failed(error: String)
        /// The destination is gone (deleted webhook, 410); see `disableDestination`.
        case disabled(error: String)

        var status: Status {
            switch self {
            case .delivered: return .delivered
            case .retry: return .retrying
            case .failed: return .failed
            case .disabled: return .disabled
            }
        }
    }

    /// Records attempt `attempt`'s outcome with the response it got (status nil without a
    /// response). False when the attempt no longer holds the row (its claim expired and another
    /// attempt took it over); nothing is changed then.
    @discardableResult
    public static func finish(id: Int64, attempt: Int, outcome: Outcome, responseStatus: Int?, latencyMilliseconds: Int?,
                              on connection: PostgresConnection) throws -> Bool {
        var error: String?
        var remoteMessageID: String?
        var retryAfter = 0.0
        switch outcome {
        case .delivered(let id): remoteMessageID = id
        case .retry(let seconds, let reason):
            retryAfter = seconds
            error = reason
        case .failed(let reason), .disabled(let reason): error = reason
        }
        let result = try connection.query("""
            UPDATE notification_deliveries
            SET status = $3, response_status = $4::integer, latency_ms = $5::integer, last_error = $6,
                remote_message_id = COALESCE($7, remote_message_id), claimed_until = NULL,
                next_attempt_at = CASE WHEN $3 = 'retrying' THEN now() + make_interval(secs => $8::float8) ELSE next_attempt_at END,
                finished_at = CASE WHEN $3 = 'retrying' THEN NULL ELSE now() END
            WHERE id = $1 AND status = 'sending' AND attempts = $2
            """, [id, attempt, outcome.status.rawValue, responseStatus, latencyMilliseconds, error.map(truncatedError), remoteMessageID,
                  retryAfter])
        return result.affectedRows == 1
    }

    /// A row that will not be sent because its destination was disabled meanwhile (never a row
    /// another worker is sending).
    @discardableResult
    public static func markDisabled(id: Int64, reason: String, on connection: PostgresConnection) throws -> Bool {
        try connection.query("""
            UPDATE notification_deliveries
            SET status = 'disabled', last_error = $2, finished_at = now(), claimed_until = NULL
            WHERE id = $1 AND (status IN ('pending', 'retrying') OR (status = 'sending' AND claimed_until < now()))
            """, [id, truncatedError(reason)]).affectedRows == 1
    }

    /// Moves a row that is not being sent to no earlier than `afterSeconds` from now (a rate
    /// limit known before sending), so the sweeper leaves it alone until then.
    public static func postpone(id: Int64, afterSeconds: Double, on connection: PostgresConnection) throws {
        try connection.query("""
            UPDATE notification_deliveries
            SET next_attempt_at = GREATEST(next_attempt_at, now() + make_interval(secs => $2::float8))
            WHERE id = $1 AND status IN ('pending', 'retrying')
            """, [id, afterSeconds])
    }

    /// Stops a destination that refuses us for good (Discord 404/401, a 410), with the reason the
    /// dashboard shows, and closes its other open rows as `disabled` (their jobs would only find
    /// the destination disabled). Rows another worker is sending finish on their own.
    public static func disableDestination(_ destinationID: String, reason: String, on connection: PostgresConnection) throws {
        let reason = truncatedError(reason)
        try connection.query("""
            UPDATE notification_destinations
            SET enabled = false, disabled_reason = $2, disabled_at = now(), updated_at = now()
            WHERE id = $1 AND enabled
            """, [destinationID, reason])
        try connection.query("""
            UPDATE notification_deliveries
            SET status = 'disabled', last_error = $2, finished_at = now(), claimed_until = NULL
            WHERE destination_id = $1 AND status IN ('pending', 'retrying')
            """, [destinationID, reason])
    }

    /// Errors in the log are one line of at most 500 characters (a response excerpt is already
    /// cut by `DeliveryResponse`; this bounds anything else).
    static func truncatedError(_ text: String) -> String {
        text.count <= 500 ? text : String(text.prefix(499)) + "…"
    }
}
