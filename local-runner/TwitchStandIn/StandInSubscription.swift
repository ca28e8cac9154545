import JSONValue

/// An EventSub subscription held by the stand-in (webhook transport only).
public struct StandInSubscription: Sendable, Equatable {
    public let id: String
    public var status: String
    public let type: String
    public let version: String
    public let condition: [String: String]
    public let callback: String
    /// Kept to sign deliveries; like Twitch, never returned by the Helix endpoints.
    public let secret: String
    public let cost: Int
    public let createdAt: String
    /// Creation order; the list cursor points at it, so deletions do not shift pages.
    let sequence: Int

    /// Statuses that still count: against the cost limit, and for the duplicate (409) check.
    static let liveStatuses: Set<String> = ["enabled", "webhook_callback_verification_pending"]

    var isLive: Bool { Self.liveStatuses.contains(status) }

    /// The shape Helix lists and EventSub envelopes use.
    var json: JSONValue {
        ["id": .string(id), "status": .string(status), "type": .string(type), "version": .string(version),
         "condition": .object(condition.mapValues { .string($0) }),
         "created_at": .string(createdAt), "transport": ["method": "webhook", "callback": .string(callback)],
         "cost": .int(Int64(cost))]
    }
}
