/// The subscription types the stand-in accepts, with their versions and conditions as Twitch
/// documents them (EventSub Subscription Types and Reference). Anything else is a 400, like an
/// unknown type or version at Twitch.
enum SubscriptionCatalog {
    struct Entry {
        let version: String
        /// Keys that must be present.
        let required: Set<String>
        /// Keys that may be present besides the required ones.
        let optional: Set<String>
        /// At least one of these and not two (channel.raid: from or to).
        let exactlyOneOf: Set<String>

        init(_ version: String, required: Set<String> = [], optional: Set<String> = [], exactlyOneOf: Set<String> = []) {
            self.version = version
            self.required = required
            self.optional = optional
            self.exactlyOneOf = exactlyOneOf
        }
    }

    private static let broadcaster: Set<String> = ["broadcaster_user_id"]

    static let entries: [String: [Entry]] = [
        "stream.online": [Entry("1", required: broadcaster)],
        "stream.offline": [Entry("1", required: broadcaster)],
        "channel.update": [Entry("2", required: broadcaster)],
        "channel.follow": [Entry("2", required: ["broadcaster_user_id", "moderator_user_id"])],
        "channel.raid": [Entry("1", exactlyOneOf: ["from_broadcaster_user_id", "to_broadcaster_user_id"])],
        "channel.subscribe": [Entry("1", required: broadcaster)],
        "channel.subscription.end": [Entry("1", required: broadcaster)],
        "channel.subscription.gift": [Entry("1", required: broadcaster)],
        "channel.subscription.message": [Entry("1", required: broadcaster)],
        "channel.cheer": [Entry("1", required: broadcaster)],
        "channel.hype_train.begin": [Entry("2", required: broadcaster)],
        "channel.hype_train.progress": [Entry("2", required: broadcaster)],
        "channel.hype_train.end": [Entry("2", required: broadcaster)],
        "channel.ban": [Entry("1", required: broadcaster)],
        "channel.unban": [Entry("1", required: broadcaster)],
        "channel.moderator.add": [Entry("1", required: broadcaster)],
        "channel.moderator.remove": [Entry("1", required: broadcaster)],
        "channel.chat.message": [Entry("1", required: ["broadcaster_user_id", "user_id"])],
        "user.update": [Entry("1", required: ["user_id"])],
        "user.authorization.grant": [Entry("1", required: ["client_id"])],
        "user.authorization.revoke": [Entry("1", required: ["client_id"])],
    ]

    /// One user whose grant a subscription needs: the user in `conditionKey` must have granted the
    /// client id every scope in `scopes`.
    struct ScopeRequirement {
        let conditionKey: String
        let scopes: Set<String>
        /// Not needed when this condition key holds the same user (channel.chat.message: the
        /// broadcaster's `channel:bot` is not asked of a broadcaster reading their own chat).
        let unlessSameUserAs: String?

        init(_ conditionKey: String, _ scopes: Set<String>, unlessSameUserAs: String? = nil) {
            self.conditionKey = conditionKey
            self.scopes = scopes
            self.unlessSameUserAs = unlessSameUserAs
        }
    }

    /// Who must have granted what (EventSub Subscription Types, "Authorization"), for webhooks,
    /// which are created with an app access token. Types missing here need no authorization:
    /// stream.online/offline, channel.update, channel.raid, user.update, user.authorization.*.
    /// channel.chat.message with an app token needs user:read:chat and user:bot from the chatting
    /// user and channel:bot from the broadcaster, or the chatter being a moderator; the stand-in
    /// has no moderators, so it always asks channel:bot (the stricter reading).
    static let scopeRequirements: [String: [ScopeRequirement]] = {
        let subscriptions = [ScopeRequirement("broadcaster_user_id", ["channel:read:subscriptions"])]
        let hypeTrain = [ScopeRequirement("broadcaster_user_id", ["channel:read:hype_train"])]
        let moderate = [ScopeRequirement("broadcaster_user_id", ["channel:moderate"])]
        let moderation = [ScopeRequirement("broadcaster_user_id", ["moderation:read"])]
        return [
            // The moderator (the broadcaster's own id when the broadcaster authorized) grants it;
            // that the moderator really moderates the channel is not modelled.
            "channel.follow": [ScopeRequirement("moderator_user_id", ["moderator:read:followers"])],
            "channel.subscribe": subscriptions,
            "channel.subscription.gift": subscriptions,
            "channel.subscription.message": subscriptions,
            "channel.subscription.end": subscriptions,
            "channel.cheer": [ScopeRequirement("broadcaster_user_id", ["bits:read"])],
            "channel.hype_train.begin": hypeTrain,
            "channel.hype_train.progress": hypeTrain,
            "channel.hype_train.end": hypeTrain,
            "channel.ban": moderate,
            "channel.unban": moderate,
            "channel.moderator.add": moderation,
            "channel.moderator.remove": moderation,
            "channel.chat.message": [
                ScopeRequirement("user_id", ["user:read:chat", "user:bot"]),
                ScopeRequirement("broadcaster_user_id", ["channel:bot"], unlessSameUserAs: "user_id"),
            ],
        ]
    }()

    /// Whether a type needs a user's grant at all (what a disconnect revokes).
    static func needsAuthorization(_ type: String) -> Bool { scopeRequirements[type] != nil }

    /// The users (by id) a subscription of `type` with `condition` needs grants from, and the scopes
    /// each must have granted. Empty for types that need none.
    static func requiredGrants(type: String, condition: [String: String]) -> [(userID: String, scopes: Set<String>)] {
        var grants: [(userID: String, scopes: Set<String>)] = []
        for requirement in scopeRequirements[type] ?? [] {
            guard let userID = condition[requirement.conditionKey] else { continue }
            if let other = requirement.unlessSameUserAs, condition[other] == userID { continue }
            grants.append((userID, requirement.scopes))
        }
        return grants
    }

    /// The current version of a type (what `_stand-in/trigger` uses when none is given).
    static func defaultVersion(of type: String) -> String? { entries[type]?.last?.version }

    /// nil when valid, else Twitch-style 400 message.
    static func problem(type: String, version: String, condition: [String: String], clientID: String) -> String? {
        guard let versions = entries[type] else { return "unsupported subscription type \(type)" }
        guard let entry = versions.first(where: { $0.version == version }) else {
            return "unsupported version \(version) for \(type)"
        }
        let keys = Set(condition.keys)
        if let missing = entry.required.subtracting(keys).sorted().first { return "condition is missing \(missing)" }
        if !entry.exactlyOneOf.isEmpty && keys.intersection(entry.exactlyOneOf).count != 1 {
            return "condition must have exactly one of " + entry.exactlyOneOf.sorted().joined(separator: ", ")
        }
        if let unknown = keys.subtracting(entry.required).subtracting(entry.optional).subtracting(entry.exactlyOneOf).sorted().first {
            return "condition has unknown field \(unknown)"
        }
        for (key, value) in condition where key.hasSuffix("user_id") {
            if !StandInIdentifiers.isValidUserID(value) { return "condition \(key) is not a valid user id" }
        }
        if let client = condition["client_id"], client != clientID { return "condition client_id must be your client id" }
        return nil
    }
}
