public import Redis

/// Rate-limit state shared by every `notify` worker, in Redis, so that a 429 is answered by
/// waiting and a known-exhausted bucket is never sent to (Discord: "clients should not hard-code
/// limits but follow the headers"; Slack may disable an app that keeps posting after a 429).
///
/// Per bucket (a hash): `until` (a 429's `retry_after` runs out), `remaining` and `reset` (Discord's
/// `X-RateLimit-Remaining` / `-Reset-After`, decremented by each reservation so concurrent
/// workers share the window), and `probe` (while nothing is known, one request at a time finds
/// the limits out). Per pacer (a hash shared by many buckets): `until` (Discord's global 429)
/// and `tat`, the next free slot of an even spacing (Discord's global limit, Slack's one message
/// per second), a GCRA with no burst.
///
/// Both scripts read Redis' own clock (`TIME`), so workers on hosts with skewed clocks agree.
public struct RateLimitGate: Sendable {
    /// Where one destination's requests are counted.
    public struct Bucket: Sendable, Hashable {
        /// The bucket's hash key.
        public let key: String
        /// The pacer's hash key (shared by the buckets of one service).
        public let pacerKey: String
        /// Spacing between two requests through the pacer, in milliseconds (0: none).
        public let spacingMilliseconds: Int
        /// True when the service announces its limits in headers (Discord): until they are
        /// known, one request at a time.
        public let probes: Bool

        /// A Discord webhook: Discord keys webhook limits on the webhook id (the route's top-level
        /// resource); the global limit is the egress IP's, shared by every webhook.
        public static func discord(webhookID: String, requestsPerSecond: Int) -> Bucket {
            Bucket(key: "notify:ratelimit:discord:\(webhookID)", pacerKey: "notify:ratelimit:discord",
                   spacingMilliseconds: spacing(requestsPerSecond), probes: true)
        }

        /// A Slack incoming webhook, paced per webhook.
        public static func slack(destinationID: String, requestsPerSecond: Int) -> Bucket {
            Bucket(key: "notify:ratelimit:slack:\(destinationID)", pacerKey: "notify:ratelimit:slack:\(destinationID):pace",
                   spacingMilliseconds: spacing(requestsPerSecond), probes: false)
        }

        /// Any other endpoint: no pacing, only its own 429s.
        public static func webhook(destinationID: String) -> Bucket {
            Bucket(key: "notify:ratelimit:webhook:\(destinationID)", pacerKey: "notify:ratelimit:webhook:\(destinationID):pace",
                   spacingMilliseconds: 0, probes: false)
        }

        static func spacing(_ perSecond: Int) -> Int { (1_000 + max(1, perSecond) - 1) / max(1, perSecond) }
    }

    /// What a response said about the limits.
    public struct Observation: Sendable, Hashable {
        /// Discord's `X-RateLimit-Remaining` and `-Reset-After` (milliseconds), when sent.
        public var remaining: Int?
        public var resetAfterMilliseconds: Int?
        /// A 429: this bucket is closed for this long.
        public var bucketClosedMilliseconds: Int?
        /// A global 429 (Discord): every bucket of the pacer is closed for this long.
        public var pacerClosedMilliseconds: Int?

        public init(remaining: Int? = nil, resetAfterMilliseconds: Int? = nil, bucketClosedMilliseconds: Int? = nil,
                    pacerClosedMilliseconds: Int? = nil) {
            self.remaining = remaining
            self.resetAfterMilliseconds = resetAfterMilliseconds
            self.bucketClosedMilliseconds = bucketClosedMilliseconds
            self.pacerClosedMilliseconds = pacerClosedMilliseconds
        }
    }

    /// While nothing is known about a Discord bucket, the probing request holds it this long at
    /// most (a worker that died mid-request does not block it for longer).
    let probeMilliseconds: Int

    public init(probeMilliseconds: Int = 5_000) {
        self.probeMilliseconds = probeMilliseconds
    }

    /// Reserves one request on `bucket`: 0 when it may be sent now (the reservation is taken),
    /// else the milliseconds to wait before asking again (nothing taken).
    public func reserve(_ bucket: Bucket, on connection: RedisConnection) throws -> Int {
        let reply = try connection.command([
            "EVAL", Self.reserveScript, "2", bucket.key, bucket.pacerKey, String(bucket.spacingMilliseconds),
            bucket.probes ? String(probeMilliseconds) : "0",
        ])
        if case .error(let message) = reply { throw RedisError(kind: .reply, message: "rate limit reserve: \(message)") }
        return Int(reply.integer ?? 0)
    }

    /// Records what a response said (and ends the probe, if this request was it).
    public func record(_ observation: Observation, for bucket: Bucket, on connection: RedisConnection) throws {
        let reply = try connection.command([
            "EVAL", Self.recordScript, "2", bucket.key, bucket.pacerKey, String(observation.remaining ?? -1),
            String(observation.resetAfterMilliseconds ?? -1), String(observation.bucketClosedMilliseconds ?? 0),
            String(observation.pacerClosedMilliseconds ?? 0),
        ])
        if case .error(let message) = reply { throw RedisError(kind: .reply, message: "rate limit record: \(message)") }
    }

    /// KEYS: bucket, pacer. ARGV: spacing ms, probe ms. Returns the wait in ms (0: reserved).
    static let reserveScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local spacing = tonumber(ARGV[1])
        local probeMs = tonumber(ARGV[2])
        local b = redis.call('HMGET', KEYS[1], 'until', 'remaining', 'reset', 'probe')
        local p = redis.call('HMGET', KEYS[2], 'until', 'tat')
        local wait = 0
        local function later(ms) if ms > wait then wait = ms end end
        local closed = tonumber(b[1]) or 0
        if closed > now then later(closed - now) end
        local pacerClosed = tonumber(p[1]) or 0
        if pacerClosed > now then later(pacerClosed - now) end
        local remaining = tonumber(b[2])
        local reset = tonumber(b[3]) or 0
        local known = remaining ~= nil and reset > now
        if known and remaining <= 0 then later(reset - now) end
        local probe = tonumber(b[4]) or 0
        if probeMs > 0 and not known and probe > now then later(math.min(probe - now, 50)) end
        local tat = tonumber(p[2]) or 0
        if spacing > 0 and tat > now then later(tat - now) end
        if wait > 0 then return wait end
        if spacing > 0 then
          redis.call('HSET', KEYS[2], 'tat', now + spacing)
          redis.call('PEXPIRE', KEYS[2], 600000)
        end
        if known then
          redis.call('HINCRBY', KEYS[1], 'remaining', -1)
        elseif probeMs > 0 then
          redis.call('HSET', KEYS[1], 'probe', now + probeMs)
        end
        redis.call('PEXPIRE', KEYS[1], 600000)
        return 0
        """

    /// KEYS: bucket, pacer. ARGV: remaining (-1: not sent), reset-after ms (-1: not sent), bucket
    /// closed ms, pacer closed ms. Within one window the smaller `remaining` wins: requests other
    /// workers reserved may not have reached Discord yet when this answer was made.
    static let recordScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('HDEL', KEYS[1], 'probe')
        local remaining = tonumber(ARGV[1])
        local resetAfter = tonumber(ARGV[2])
        if remaining >= 0 and resetAfter >= 0 then
          local reset = now + resetAfter + 10
          local b = redis.call('HMGET', KEYS[1], 'remaining', 'reset')
          local known = tonumber(b[1])
          local knownReset = tonumber(b[2]) or 0
          if known ~= nil and knownReset > now and math.abs(knownReset - reset) < 500 and known < remaining then remaining = known end
          redis.call('HSET', KEYS[1], 'remaining', remaining, 'reset', reset)
        end
        local closed = tonumber(ARGV[3])
        if closed > 0 then
          local current = tonumber(redis.call('HGET', KEYS[1], 'until')) or 0
          if now + closed > current then redis.call('HSET', KEYS[1], 'until', now + closed) end
        end
        local pacerClosed = tonumber(ARGV[4])
        if pacerClosed > 0 then
          local current = tonumber(redis.call('HGET', KEYS[2], 'until')) or 0
          if now + pacerClosed > current then redis.call('HSET', KEYS[2], 'until', now + pacerClosed) end
          redis.call('PEXPIRE', KEYS[2], math.max(600000, pacerClosed + 60000))
        end
        redis.call('PEXPIRE', KEYS[1], math.max(600000, closed + 60000))
        return 1
        """
}
