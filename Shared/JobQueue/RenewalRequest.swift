public import JSONValue
public import Logging
public import Redis

/// Asks `subscription-renewal` to reconcile a few creators now (one was added, linked, unlinked,
/// removed, or disconnected us on Twitch) instead of waiting for the scheduled full run.
///
/// No idempotency key: a run reads the current state when it starts, so a second request while
/// one is queued costs one short listing per user, while a dropped request would leave the
/// subscriptions wrong until the next full run. Enqueue failures are logged, not thrown: the
/// change that triggered the request is already committed, and the full run repairs it.
public enum RenewalRequest {
    public static let queue = JobQueue(name: "subscription-renewal")

    public static func payload(twitchUserIDs: [String]) -> JSONValue {
        ["twitchUserIds": .array(Array(Set(twitchUserIDs)).sorted().map(JSONValue.string))]
    }

    /// The users a job asks for, or nil for a full run.
    public static func twitchUserIDs(in payload: JSONValue) -> Set<String>? {
        guard let ids = payload["twitchUserIds"]?.arrayValue else { return nil }
        let users = Set(ids.compactMap(\.stringValue).filter { !$0.isEmpty })
        return users.isEmpty ? nil : users
    }

    public static func enqueue(twitchUserIDs: [String], redis: RedisClient, logger: Logger) async {
        guard !twitchUserIDs.isEmpty else { return }
        await queue.request(payload(twitchUserIDs: twitchUserIDs), redis: redis, logger: logger)
    }
}
