public import JSONValue

/// An active (verified) subscription of a callback to a channel's topic.
public struct HubSubscription: Sendable, Equatable {
    public let callback: String
    /// As the subscriber sent it (deliveries name it in `rel=self`).
    public let topic: String
    public let channelID: String
    /// HMAC key for `X-Hub-Signature`; nil: deliveries are unsigned.
    let secret: String?
    public let leaseSeconds: Int
    /// When the verification of intent succeeded; the lease counts from there.
    public let verifiedAt: Double

    public var hasSecret: Bool { secret != nil }
    public var expiresAt: Double { verifiedAt + Double(leaseSeconds) }
    public func isActive(at now: Double) -> Bool { now < expiresAt }

    func json(now: Double) -> JSONValue {
        [
            "callback": .string(callback), "topic": .string(topic), "channel_id": .string(channelID), "lease_seconds": .int(Int64(leaseSeconds)),
            "verified_at": .string(YouTubeTime.dataAPI(verifiedAt)), "expires_at": .string(YouTubeTime.dataAPI(expiresAt)),
            "active": .bool(isActive(at: now)), "signed": .bool(hasSecret),
        ]
    }
}

/// One verification of intent (or denial) the hub sent.
public struct HubVerification: Sendable, Equatable {
    /// `subscribe`, `unsubscribe` or `denied`.
    public let mode: String
    public let callback: String
    public let topic: String
    /// `verified`, `failed` (no 2xx or not the challenge) or `denied` (sent, answer ignored).
    public let outcome: String
    /// The callback's HTTP status, nil when the request failed.
    public let status: Int?
    public let error: String?
    public let at: Double

    var json: JSONValue {
        [
            "mode": .string(mode), "callback": .string(callback), "topic": .string(topic), "outcome": .string(outcome),
            "status": status.map { .int(Int64($0)) } ?? .null, "error": error.map { .string($0) } ?? .null,
            "at": .string(YouTubeTime.dataAPI(at)),
        ]
    }
}

/// One content distribution to one callback, with every attempt.
public struct HubDelivery: Sendable, Equatable {
    public let id: Int
    public let callback: String
    public let topic: String
    /// `entry`, `deleted-entry`, or the test kinds of `HostileFeed.Kind`.
    public let kind: String
    public let videoID: String?
    /// The `X-Hub-Signature` sent, nil when unsigned.
    public let signature: String?
    public let bodyBytes: Int
    public internal(set) var attempts: [Attempt]
    /// `pending`, `delivered`, `failed` (attempts used up) or `gone` (410: subscription dropped).
    public internal(set) var outcome: String

    public struct Attempt: Sendable, Equatable {
        public let status: Int?
        public let error: String?
    }

    var json: JSONValue {
        [
            "id": .int(Int64(id)), "callback": .string(callback), "topic": .string(topic), "kind": .string(kind),
            "video_id": videoID.map { .string($0) } ?? .null, "signed": .bool(signature != nil), "body_bytes": .int(Int64(bodyBytes)),
            "outcome": .string(outcome),
            "attempts": .array(attempts.map { ["status": $0.status.map { .int(Int64($0)) } ?? .null, "error": $0.error.map { .string($0) } ?? .null] }),
        ]
    }
}
