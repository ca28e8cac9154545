import EventSub

/// One Twitch user at least one company tracks, as `tracked_twitch_users()` reports it.
public struct TrackedTwitchUser: Sendable, Hashable {
    public let twitchUserID: String
    /// The authorization-only types some tracking company's link covers (enabled for that creator
    /// and granted by the creator); empty when nobody linked.
    public let authorizedTypes: Set<String>

    public init(twitchUserID: String, authorizedTypes: Set<String> = []) {
        self.twitchUserID = twitchUserID
        self.authorizedTypes = authorizedTypes
    }

    /// The creator authorized our client id (for some scope): Twitch charges 0 for their subscriptions.
    public var authorized: Bool { !authorizedTypes.isEmpty }
}

/// A subscription the product wants to exist: type, version and condition (what Twitch's 409
/// compares), plus what the renewer needs to predict its cost.
public struct DesiredSubscription: Sendable, Hashable {
    public let type: String
    public let version: String
    public let condition: [String: String]
    /// The tracked user it is for (nil for deployment-wide ones such as `user.authorization.revoke`).
    public let twitchUserID: String?
    /// Cost Twitch will charge against `max_total_cost`: 0 when the user authorized the app, else 1.
    public let expectedCost: Int

    public init(type: String, version: String, condition: [String: String], twitchUserID: String?, expectedCost: Int) {
        self.type = type
        self.version = version
        self.condition = condition
        self.twitchUserID = twitchUserID
        self.expectedCost = expectedCost
    }

    public var key: SubscriptionKey { SubscriptionKey(type: type, version: version, condition: condition) }

    /// Everything the product subscribes to for one tracked user: the public types (`EventSubCatalog`)
    /// for everyone, the authorization-only ones some link covers.
    public static func forUser(_ user: TrackedTwitchUser) -> [DesiredSubscription] {
        let id = user.twitchUserID
        let cost = user.authorized ? 0 : 1
        var result = EventSubCatalog.publicTypes.map {
            DesiredSubscription(type: $0.name, version: $0.version, condition: $0.condition(broadcaster: id), twitchUserID: id, expectedCost: cost)
        }
        for type in EventSubCatalog.authorizationTypes where user.authorizedTypes.contains(type.name) {
            result.append(DesiredSubscription(type: type.name, version: type.version, condition: type.condition(broadcaster: id),
                                              twitchUserID: id, expectedCost: 0))
        }
        return result
    }

    /// Deployment-wide: `user.authorization.revoke` for our client id, so a creator who disconnects
    /// the app on Twitch is unlinked at once (no cost: it names no user).
    public static func authorizationRevoke(clientID: String) -> DesiredSubscription {
        DesiredSubscription(type: EventSubCatalog.authorizationRevoke, version: "1", condition: ["client_id": clientID],
                            twitchUserID: nil, expectedCost: 0)
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
