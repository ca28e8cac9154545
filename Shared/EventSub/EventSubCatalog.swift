/// One EventSub subscription type the product subscribes to: version, the condition it needs for
/// a broadcaster, and the OAuth scopes the broadcaster must have granted our client id first
/// (none for the public types). Source: Twitch's "EventSub Subscription Types" and "Scopes" pages
/// (notes in `shared/research/twitch-oauth.md` §5).
public struct EventSubType: Sendable, Hashable {
    public let name: String
    public let version: String
    public let scopes: [String]
    /// The condition keys that name the broadcaster (`channel.raid` has one per direction, so it
    /// appears twice in the public list).
    let conditionKeys: [String]

    init(_ name: String, _ version: String, scopes: [String] = [], conditionKeys: [String] = ["broadcaster_user_id"]) {
        self.name = name
        self.version = version
        self.scopes = scopes
        self.conditionKeys = conditionKeys
    }

    /// The condition for this broadcaster. The broadcaster acts as the moderator (`channel.follow`
    /// v2) and as the chatting user (`channel.chat.message`) of their own channel.
    public func condition(broadcaster id: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: conditionKeys.map { ($0, id) })
    }
}

/// Which types exist for the product, which need the broadcaster's authorization, and which
/// scopes a link must ask for. One table read by the subscription renewal (what to create), the
/// creators API (what a link asks for), the link pages (what the creator is shown) and ingest
/// (who may receive an authorization-only event).
public enum EventSubCatalog {
    /// Subscribed for every tracked broadcaster; no authorization needed.
    public static let publicTypes: [EventSubType] = [
        EventSubType("stream.online", "1"),
        EventSubType("stream.offline", "1"),
        EventSubType("channel.update", "2"),
        EventSubType("channel.raid", "1", conditionKeys: ["to_broadcaster_user_id"]),
        EventSubType("channel.raid", "1", conditionKeys: ["from_broadcaster_user_id"]),
    ]

    /// Subscribed only for a broadcaster who linked their account with these scopes, and only the
    /// ones an agency enabled for that creator.
    public static let authorizationTypes: [EventSubType] = [
        EventSubType("channel.follow", "2", scopes: ["moderator:read:followers"],
                     conditionKeys: ["broadcaster_user_id", "moderator_user_id"]),
        EventSubType("channel.subscribe", "1", scopes: ["channel:read:subscriptions"]),
        EventSubType("channel.subscription.gift", "1", scopes: ["channel:read:subscriptions"]),
        EventSubType("channel.subscription.message", "1", scopes: ["channel:read:subscriptions"]),
        EventSubType("channel.cheer", "1", scopes: ["bits:read"]),
        EventSubType("channel.hype_train.begin", "2", scopes: ["channel:read:hype_train"]),
        EventSubType("channel.hype_train.end", "2", scopes: ["channel:read:hype_train"]),
        // With an app token Twitch wants user:read:chat and user:bot from the chatting user and
        // channel:bot from the broadcaster; the broadcaster reads their own chat, so all three.
        EventSubType("channel.chat.message", "1", scopes: ["user:read:chat", "user:bot", "channel:bot"],
                     conditionKeys: ["broadcaster_user_id", "user_id"]),
    ]

    /// What a new creator starts with: the moments a NOC exists for. Chat (one event per chat line)
    /// is opt-in.
    public static let defaultEnabledTypes: [String] = [
        "channel.follow", "channel.subscribe", "channel.subscription.gift", "channel.subscription.message", "channel.cheer",
        "channel.hype_train.begin", "channel.hype_train.end",
    ]

    /// Deployment-wide: Twitch tells us when a creator disconnects our app (condition: our client id).
    public static let authorizationRevoke = "user.authorization.revoke"

    private static let byName: [String: EventSubType] = Dictionary(uniqueKeysWithValues: authorizationTypes.map { ($0.name, $0) })

    public static func authorizationType(named name: String) -> EventSubType? { byName[name] }

    /// Whether events of this type need the broadcaster's authorization (and so may reach only the
    /// agencies whose link covers it).
    public static func requiresAuthorization(_ type: String) -> Bool { byName[type] != nil }

    /// The scopes a link must ask for to cover these types, sorted and without duplicates.
    public static func scopes(for types: [String]) -> [String] {
        Array(Set(types.compactMap { byName[$0] }.flatMap(\.scopes))).sorted()
    }

    /// The enabled types that these granted scopes cover, in catalog order.
    public static func coveredTypes(enabled: [String], granted: [String]) -> [String] {
        let granted = Set(granted), enabled = Set(enabled)
        return authorizationTypes.filter { enabled.contains($0.name) && Set($0.scopes).isSubset(of: granted) }.map(\.name)
    }

    /// Names that are not authorization types (for a 422 naming them).
    public static func unknownTypes(_ types: [String]) -> [String] {
        types.filter { byName[$0] == nil }
    }
}
