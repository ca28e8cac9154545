import JSONValue
import NotificationMessages

/// Which mentions in `content` Discord would turn into notifications: `@everyone`/`@here`,
/// `<@id>`/`<@!id>` and `<@&id>` in the content (embeds never ping), kept only where
/// `allowed_mentions` permits them (`parse` types, or the listed ids). Without `allowed_mentions`
/// a webhook parses user mentions only. Mentions are found the way the product reads its own
/// template text (`DiscordAllowedMentions(literalText:)`), so escaped text (`@` followed by a
/// zero-width space) mentions nobody, as at Discord.
enum MentionResolution {
    static func resolve(content: String, allowedMentions: JSONValue?) -> ResolvedMentions {
        let found = DiscordAllowedMentions(literalText: content)
        let parse: Set<String>
        let allowedUsers: Set<String>
        let allowedRoles: Set<String>
        if let allowedMentions, !allowedMentions.isNull {
            parse = Set((allowedMentions["parse"]?.arrayValue ?? []).compactMap(\.stringValue))
            allowedUsers = Set((allowedMentions["users"]?.arrayValue ?? []).compactMap(\.stringValue))
            allowedRoles = Set((allowedMentions["roles"]?.arrayValue ?? []).compactMap(\.stringValue))
        } else {
            parse = ["users"]
            allowedUsers = []
            allowedRoles = []
        }
        return ResolvedMentions(
            everyone: found.everyone && parse.contains("everyone"),
            users: found.users.filter { parse.contains("users") || allowedUsers.contains($0) },
            roles: found.roles.filter { parse.contains("roles") || allowedRoles.contains($0) })
    }
}
