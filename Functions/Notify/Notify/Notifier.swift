import BlockingIO
public import JobQueue
import JSONValue
public import Logging
import NotificationMessages
import NotificationStore
public import OutboundHTTP
public import Postgres
public import Redis
public import SecretSealing

/// Sends one delivery row (`notification_deliveries`, migration 11): read it and its
/// destination, wait out any known rate limit, claim it for one attempt, render the message for
/// the destination's kind, send it through the SSRF-guarded client, and record what the
/// response means (`DeliveryResponse`): delivered; retrying at a chosen time (rate limit,
/// backoff) with a delayed job; the destination disabled (deleted Discord webhook, 410); or
/// failed for good (the dead letter, `last_error` saying why).
///
/// Every step reads the row again and changes it with a conditional UPDATE, so any number of
/// jobs for the same row (ingest's, a sweeper's duplicate, a retry) send at most once per
/// attempt; see `DeliveryRecord` (`DeliveryTransitions.swift`) for the one window that remains.
public struct Notifier: Sendable {
    public let pool: PostgresPool
    public let redis: RedisClient
    public let http: GuardedHTTPClient
    public let keys: SealingKeyRing
    public let settings: NotifySettings
    public let gate: RateLimitGate
    public let logger: Logger

    public init(pool: PostgresPool, redis: RedisClient, http: GuardedHTTPClient, keys: SealingKeyRing, settings: NotifySettings = NotifySettings(),
                gate: RateLimitGate = RateLimitGate(), logger: Logger) {
        self.pool = pool
        self.redis = redis
        self.http = http
        self.keys = keys
        self.settings = settings
        self.gate = gate
        self.logger = logger
    }

    /// What one job did with its delivery.
    public enum Report: Sendable, Hashable {
        case delivered(attempt: Int)
        /// Sent and refused for now; a job is queued for the retry.
        case retrying(attempt: Int, afterSeconds: Double, reason: String)
        case failed(reason: String)
        /// The destination is (now) disabled; the row is `disabled`.
        case disabled(reason: String)
        /// Not sent yet: a known rate limit; a job is queued for when it lifts.
        case postponed(milliseconds: Int)
        /// Nothing to do: finished already, held by another worker, gone, or not due.
        case nothingToDo(String)
    }

    /// How long a claim holds a row: the longest request plus a margin.
    var claimSeconds: Double { Double(http.configuration.totalTimeoutMilliseconds) / 1000 + settings.claimMarginSeconds }

    public func deliver(_ request: NotifyRequest.Delivery) async throws -> Report {
        guard TenantID.isValid(request.companyID) else { return .nothingToDo("the company id is not a UUID") }
        let company = request.companyID
        let id = request.id

        // 1. The row and its destination as they are now.
        let found = try await pool.tenant(company) { connection -> Found in
            guard let record = try DeliveryRecord.load(id: id, on: connection) else { return .nothing("no such delivery") }
            if record.status.isFinal { return .nothing("already \(record.status.rawValue)") }
            if record.status == .sending, let left = record.claimLeftSeconds, left >= 0 { return .heldElsewhere(seconds: left) }
            if record.status != .sending, record.dueInSeconds > 1 { return .notDue(seconds: record.dueInSeconds) }
            // Rows go with their destination (ON DELETE CASCADE); this is a race with a delete.
            guard let destination = try NotificationDestination.load(id: record.destinationID, on: connection) else {
                return .nothing("the destination was deleted")
            }
            guard destination.enabled else {
                let reason = "not sent: the destination is disabled (\(destination.disabledReason ?? "by an admin"))"
                return try DeliveryRecord.markDisabled(id: id, reason: reason, on: connection) ? .disabled(reason) : .nothing("changed meanwhile")
            }
            return .ready(record, destination)
        }
        let record: DeliveryRecord
        let destination: NotificationDestination
        switch found {
        case .nothing(let why): return .nothingToDo(why)
        case .heldElsewhere(let seconds):
            // Usually a duplicate job while another worker sends. But this may be the queue handing
            // over the job of a worker that died holding the claim: look again once it expires.
            try await enqueue(request, afterMilliseconds: Int(seconds * 1000) + 500)
            return .nothingToDo("another worker holds it for \(Int(seconds.rounded(.up))) s more")
        case .disabled(let reason): return .disabled(reason: reason)
        case .notDue(let seconds):
            // Early (a clock ahead of the database's, or a stray duplicate): come back when due.
            try await enqueue(request, afterMilliseconds: Int(seconds * 1000))
            return .postponed(milliseconds: Int(seconds * 1000))
        case .ready(let row, let target):
            record = row
            destination = target
        }

        // 2. Where it goes. A stored value that can never be sent to disables the destination;
        // a key the ring lacks is the operator's problem and throws (the job is retried).
        let target: DeliveryTarget
        do {
            target = try DeliveryTarget.open(destination, keys: keys, settings: settings)
        } catch let unusable as DeliveryTarget.Unusable {
            try await pool.tenant(company) { connection in
                try DeliveryRecord.disableDestination(destination.id, reason: unusable.description, on: connection)
                _ = try DeliveryRecord.markDisabled(id: id, reason: unusable.description, on: connection)
            }
            return .disabled(reason: unusable.description)
        }

        // 3. A known rate limit is waited out before sending, never discovered by sending.
        while true {
            let wait = try await redis.withConnection { [gate] connection in try gate.reserve(target.bucket, on: connection) }
            if wait == 0 { break }
            if wait <= settings.shortWaitMilliseconds {
                try await Task.sleep(for: .milliseconds(wait))
                continue
            }
            // Spread the jobs that wait for the same reset a little, so they do not all arrive at once.
            let delay = wait + Int.random(in: 0...100)
            if delay >= 1_000 {
                try await pool.tenant(company) { connection in try DeliveryRecord.postpone(id: id, afterSeconds: Double(delay) / 1000, on: connection) }
            }
            try await enqueue(request, afterMilliseconds: delay)
            return .postponed(milliseconds: delay)
        }

        // 4. One attempt: claim the row, and read what the message says.
        let claimSeconds = self.claimSeconds
        let claim = try await pool.tenant(company) { connection -> (attempt: Int, context: NotificationContext?)? in
            guard let attempt = try DeliveryRecord.claim(id: id, claimSeconds: claimSeconds, on: connection) else { return nil }
            if record.testSend || record.eventID == nil {
                return (attempt, try NotificationEventContext.latestOrSample(eventType: record.eventType, on: connection).context)
            }
            return (attempt, try NotificationEventContext.load(eventID: record.eventID ?? 0, on: connection))
        }
        guard let claim else {
            try? await observe(RateLimitGate.Observation(), on: target.bucket)  // ends a probe this reservation began
            return .nothingToDo("another worker claimed it")
        }
        guard let context = claim.context else {
            try? await observe(RateLimitGate.Observation(), on: target.bucket)
            let reason = "not sent: the event is no longer stored (retention)"
            try await finish(id, company: company, attempt: claim.attempt, outcome: .failed(error: reason), response: nil, latency: nil)
            return .failed(reason: reason)
        }

        // 5. Send. `webhook-id` is the same on every attempt of this (event, destination), so a
        // receiver drops a repeat after the one unavoidable duplicate (see DeliveryTransitions).
        let body = destination.kind.body(destination.template(for: record.eventType), context: context)
        let messageID = StandardWebhookSigner.messageID(eventID: record.eventID.map { String($0) } ?? "test-\(record.id)",
                                                        destinationID: destination.id)
        let outgoing = target.request(body: body, messageID: messageID, timestamp: Int64(wallClockSeconds()))
        let started = monotonicNanoseconds()
        let verdict: DeliveryVerdict
        var response: OutboundResponse?
        do {
            let answer = try await http.post(url: target.url.reveal(), headers: outgoing.headers, body: outgoing.body)
            response = answer
            verdict = DeliveryResponse(kind: destination.kind, status: answer.status, headers: answer.headers, body: answer.body).verdict
        } catch {
            verdict = .transportFailure("not delivered: \(error)", retryable: error.isRetryable)
        }
        let latency = Int((response?.latencyMilliseconds ?? Double(monotonicNanoseconds() - started) / 1e6).rounded())
        do {
            try await observe(Self.observation(verdict), on: target.bucket)
        } catch {
            logger.warning("rate limit state not recorded", metadata: ["deliveryId": "\(id)", "error": "\(error)"])
        }

        // 6. What the answer means.
        let attempt = claim.attempt
        let outcome: DeliveryRecord.Outcome
        switch verdict.decision {
        case .delivered:
            outcome = .delivered(remoteMessageID: destination.kind == .discord ? Self.discordMessageID(response?.body) : nil)
        case .rateLimited(let seconds, _):
            outcome = attempt < settings.maximumAttempts
                ? .retry(afterSeconds: seconds, error: verdict.reason)
                : .failed(error: "gave up after \(attempt) attempts: \(verdict.reason)")
        case .retry(let serverSeconds):
            if let delay = settings.retryDelay(afterAttempt: attempt, serverSeconds: serverSeconds), attempt < settings.maximumAttempts {
                outcome = .retry(afterSeconds: delay, error: verdict.reason)
            } else {
                outcome = .failed(error: "gave up after \(attempt) attempts: \(verdict.reason)")
            }
        case .disableDestination:
            outcome = .disabled(error: verdict.reason)
        case .deadLetter:
            outcome = .failed(error: verdict.reason)
        }
        // The one window exactly-once cannot close: if this process dies (or stalls past
        // `claimed_until`) after the destination accepted the POST above and before this commit,
        // the claim expires and the next attempt sends again. Signed webhooks carry the same
        // `webhook-id` then, so the receiver drops the repeat; Discord and Slack webhooks take no
        // idempotency key, so their channel shows the message twice.
        let held = try await finish(id, company: company, attempt: attempt, outcome: outcome, response: response?.status, latency: latency,
                                    disableDestination: destination.id)
        guard held else { return .nothingToDo("the claim expired before the outcome was recorded; another attempt took over") }
        switch outcome {
        case .delivered: return .delivered(attempt: attempt)
        case .retry(let seconds, let reason):
            try? await enqueue(request, afterMilliseconds: Int(seconds * 1000))
            return .retrying(attempt: attempt, afterSeconds: seconds, reason: reason)
        case .failed(let reason): return .failed(reason: reason)
        case .disabled(let reason): return .disabled(reason: reason)
        }
    }

    private enum Found: Sendable {
        case nothing(String)
        case heldElsewhere(seconds: Double)
        case notDue(seconds: Double)
        case disabled(String)
        case ready(DeliveryRecord, NotificationDestination)
    }

    /// Records an attempt's outcome (disabling the destination with it when the outcome says
    /// so). The message is out at this point, so a failure to record is retried a few times
    /// before giving up: an unrecorded success would be sent again once the claim expires.
    @discardableResult
    private func finish(_ id: Int64, company: String, attempt: Int, outcome: DeliveryRecord.Outcome, response: Int?, latency: Int?,
                        disableDestination destinationID: String? = nil) async throws -> Bool {
        var delays = [200, 1_000, 3_000]
        while true {
            do {
                return try await pool.tenant(company) { connection in
                    let held = try DeliveryRecord.finish(id: id, attempt: attempt, outcome: outcome, responseStatus: response,
                                                         latencyMilliseconds: latency, on: connection)
                    if held, case .disabled(let reason) = outcome, let destinationID {
                        try DeliveryRecord.disableDestination(destinationID, reason: reason, on: connection)
                    }
                    return held
                }
            } catch {
                guard !delays.isEmpty else { throw error }
                logger.warning("delivery outcome not recorded yet; retrying", metadata: ["deliveryId": "\(id)", "error": "\(error)"])
                try await Task.sleep(for: .milliseconds(delays.removeFirst()))
            }
        }
    }

    private func observe(_ observation: RateLimitGate.Observation, on bucket: RateLimitGate.Bucket) async throws {
        try await redis.withConnection { [gate] connection in try gate.record(observation, for: bucket, on: connection) }
    }

    /// A job for `request` after a delay. If Redis refuses, the row stays due in Postgres and
    /// the sweeper enqueues it.
    private func enqueue(_ request: NotifyRequest.Delivery, afterMilliseconds: Int) async throws {
        do {
            try await redis.withConnection { connection in try NotifyRequest.enqueue(request, afterMilliseconds: afterMilliseconds, on: connection) }
        } catch {
            logger.warning("retry not queued; the sweeper will find the delivery", metadata: ["deliveryId": "\(request.id)", "error": "\(error)"])
        }
    }

    /// What a verdict tells the shared rate-limit state: Discord's bucket headers, a 429's wait
    /// for the bucket, or for everything (global).
    static func observation(_ verdict: DeliveryVerdict) -> RateLimitGate.Observation {
        var observation = RateLimitGate.Observation()
        if let limit = verdict.rateLimit, let remaining = limit.remaining, let resetAfter = limit.resetAfterSeconds {
            observation.remaining = remaining
            observation.resetAfterMilliseconds = Int((resetAfter * 1000).rounded(.up))
        }
        if case .rateLimited(let seconds, let global) = verdict.decision {
            let milliseconds = Int((seconds * 1000).rounded(.up))
            if global { observation.pacerClosedMilliseconds = milliseconds } else { observation.bucketClosedMilliseconds = milliseconds }
        }
        return observation
    }

    /// The message id of Discord's `?wait=true` answer.
    static func discordMessageID(_ body: [UInt8]?) -> String? {
        guard let body, let id = (try? JSONParser.parse(body))?["id"]?.stringValue, !id.isEmpty, id.count <= 32 else { return nil }
        return id
    }
}
