/// One Twitch user at least one company tracks, as `tracked_twitch_users()` reports it.
public struct TrackedTwitchUser: Sendable, Hashable {
    public let twitchUserID: String
    /// At least one tracking company recorded that the creator linked their account (authorized our
    /// client id): authorization-requiring types are subscribed, and their subscriptions cost 0.
    public let authorized: Bool

    public init(twitchUserID: String, authorized: Bool) {
        self.twitchUserID = twitchUserID
        self.authorized = authorized
    }
}

/// A subscription the product wants to exist: type, version and condition (what Twitch's 409
/// compares), plus what the renewer needs to predict its cost.
public struct DesiredSubscription: Sendable, Hashable {
    public let type: String
    public let version: String
    public let condition: [String: String]
    /// The tracked user it is for.
    public let twitchUserID: String
    /// Cost Twitch will charge against `max_total_cost`: 0 when the user authorized the app, else 1.
    public let expectedCost: Int

    public init(type: String, version: String, condition: [String: String], twitchUserID: String, expectedCost: Int) {
        self.type = type
        self.version = version
        self.condition = condition
        self.twitchUserID = twitchUserID
        self.expectedCost = expectedCost
    }

    public var key: SubscriptionKey { SubscriptionKey(type: type, version: version, condition: condition) }

    /// Types that need no broadcaster authorization: subscribed for every tracked user.
    /// (`channel.raid` twice: raids into and out of the channel.)
    static let publicTypes: [(type: String, version: String, conditionKey: String)] = [
        ("stream.online", "1", "broadcaster_user_id"),
        ("stream.offline", "1", "broadcaster_user_id"),
        ("channel.update", "2", "broadcaster_user_id"),
        ("channel.raid", "1", "to_broadcaster_user_id"),
        ("channel.raid", "1", "from_broadcaster_user_id"),
    ]

    /// Types that need the broadcaster's authorization (a scope granted to our client id): only for
    /// creators who linked their account.
    static let authorizedTypes: [(type: String, version: String)] = [
        ("channel.follow", "2"),
        ("channel.subscribe", "1"),
        ("channel.subscription.gift", "1"),
        ("channel.cheer", "1"),
        ("channel.hype_train.begin", "2"),
        ("channel.hype_train.end", "2"),
    ]

    /// Everything the product subscribes to for one tracked user.
    public static func forUser(_ user: TrackedTwitchUser) -> [DesiredSubscription] {
        let id = user.twitchUserID
        let cost = user.authorized ? 0 : 1
        var result = publicTypes.map {
            DesiredSubscription(type: $0.type, version: $0.version, condition: [$0.conditionKey: id], twitchUserID: id, expectedCost: cost)
        }
        guard user.authorized else { return result }
        for (type, version) in authorizedTypes {
            // channel.follow v2 needs a moderator; the broadcaster is one of their own channel.
            let condition = type == "channel.follow" ? ["broadcaster_user_id": id, "moderator_user_id": id] : ["broadcaster_user_id": id]
            result.append(DesiredSubscription(type: type, version: version, condition: condition, twitchUserID: id, expectedCost: 0))
        }
        return result
    }
}

/// What identifies a subscription for reconciliation (and for Twitch's duplicate check): type,
/// version and condition.
public struct SubscriptionKey: Sendable, Hashable, CustomStringConvertible {
    public let type: String
    public let version: String
    public let condition: [String: String]

    public init(type: String, version: String, condition: [String: String]) {
        self.type = type
        self.version = version
        self.condition = condition
    }

    public var description: String {
        let pairs = condition.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return "\(type)@\(version){\(pairs)}"
    }

    /// Every user id in the condition (`broadcaster_user_id`, `to_broadcaster_user_id`, …).
    public var userIDs: [String] {
        condition.filter { $0.key.hasSuffix("user_id") }.map(\.value)
    }
}
