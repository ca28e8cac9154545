import Crypto
import NIOConcurrencyHelpers

/// The bucket's state after a request, for the `X-RateLimit-*` headers.
struct BucketSnapshot: Sendable {
    let bucket: String
    let limit: Int
    let remaining: Int
    let resetAt: Double
    let resetAfter: Double
}

/// Whether a request may go on, and what the rate-limit headers say.
struct Admission: Sendable {
    enum Outcome: Sendable {
        /// Go on; with a forced answer to serve (never a 429 one) when one was queued.
        case proceed(ForcedResponse?)
        /// Answer 429.
        case rateLimited(retryAfterSeconds: Double, global: Bool)
    }

    let outcome: Outcome
    let bucket: BucketSnapshot?
}

extension DiscordStandInState {
    /// Counts a request and decides: hammering inside an announced window, the global limit,
    /// the key's bucket, then the next forced answer. `limited` false: no bucket (receivers).
    func admit(_ key: TrafficKey, global globalKey: TrafficKey?, limited: Bool = true) -> Admission {
        let now = clock()
        return store.withLockedValue { store in
            store.counters[key, default: TrafficCounters()].requests += 1
            func refuse(_ retryAfter: Double, global: Bool, hammering: Bool, announce: TrafficKey?) -> Admission.Outcome {
                let seconds = DecimalSeconds.roundedUp(retryAfter)
                store.counters[key, default: TrafficCounters()].rateLimited += 1
                if hammering { store.counters[key, default: TrafficCounters()].hammering += 1 }
                if let announce { store.announced[announce] = max(store.announced[announce] ?? 0, now + seconds) }
                return .rateLimited(retryAfterSeconds: seconds, global: global)
            }
            var outcome: Admission.Outcome
            var forcedRetryAfter: Double?
            if let globalKey, let end = store.announced[globalKey], end > now {
                outcome = refuse(end - now, global: true, hammering: true, announce: nil)
            } else if let end = store.announced[key], end > now {
                outcome = refuse(end - now, global: false, hammering: true, announce: nil)
            } else if let globalKey, !Self.take(globalKey, in: &store, now: now) {
                let resetAt = store.windows[globalKey]?.resetAt(now: now) ?? now
                outcome = refuse(resetAt - now, global: true, hammering: false, announce: globalKey)
            } else if limited, !Self.take(key, in: &store, now: now) {
                let resetAt = store.windows[key]?.resetAt(now: now) ?? now
                outcome = refuse(resetAt - now, global: false, hammering: false, announce: key)
            } else if var queue = store.forced[key], !queue.isEmpty {
                let forced = queue.removeFirst()
                store.forced[key] = queue.isEmpty ? nil : queue
                switch forced {
                case .rateLimited(let retryAfter, let global):
                    forcedRetryAfter = retryAfter
                    outcome = refuse(retryAfter, global: global, hammering: false, announce: global ? (globalKey ?? key) : key)
                case .status, .timeout:
                    store.counters[key, default: TrafficCounters()].forcedFailures += 1
                    outcome = .proceed(forced)
                case .delay:
                    outcome = .proceed(forced)
                }
            } else {
                outcome = .proceed(nil)
            }
            guard limited else { return Admission(outcome: outcome, bucket: nil) }
            var window = Self.window(key, in: &store)
            var snapshot = BucketSnapshot(bucket: Self.bucketID(key), limit: window.limit, remaining: window.remaining(now: now),
                                          resetAt: window.resetAt(now: now), resetAfter: window.resetAt(now: now) - now)
            store.windows[key] = window
            // A forced 429 announces its own window: the headers agree with retry_after.
            if let forcedRetryAfter {
                let seconds = DecimalSeconds.roundedUp(forcedRetryAfter)
                snapshot = BucketSnapshot(bucket: snapshot.bucket, limit: snapshot.limit, remaining: 0, resetAt: now + seconds, resetAfter: seconds)
            }
            return Admission(outcome: outcome, bucket: snapshot)
        }
    }

    private static func window(_ key: TrafficKey, in store: inout Store) -> RateWindow {
        if let window = store.windows[key] { return window }
        let limit: (limit: Int, windowSeconds: Double)
        switch key {
        case .webhook: limit = store.limits[key] ?? (store.configuration.webhookLimit, store.configuration.webhookWindowSeconds)
        case .slack: limit = store.limits[key] ?? (store.configuration.slackLimit, store.configuration.slackWindowSeconds)
        case .global: limit = (store.configuration.globalLimit, store.configuration.globalWindowSeconds)
        case .receiver: limit = (Int.max, 1)
        }
        return RateWindow(limit: limit.limit, windowSeconds: limit.windowSeconds)
    }

    private static func take(_ key: TrafficKey, in store: inout Store, now: Double) -> Bool {
        var window = window(key, in: &store)
        let taken = window.take(now: now)
        store.windows[key] = window
        return taken
    }

    /// An opaque bucket id like Discord's (32 hex digits), stable per webhook.
    static func bucketID(_ key: TrafficKey) -> String {
        let name: String
        switch key {
        case .webhook(let id): name = "webhook:" + id
        case .slack(let id): name = "slack:" + id
        case .receiver(let id): name = "receiver:" + id
        case .global(let ip): name = "global:" + ip
        }
        let digest = SHA256.hash(data: Array(name.utf8))
        let hex = Array("0123456789abcdef")
        return String(digest.prefix(16).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]] })
    }
}
