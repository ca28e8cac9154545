public import JSONValue

/// Discord's `allowed_mentions` for a notification: exactly the mentions the agency typed in its
/// own template, nothing from Twitch.
///
/// Always sent, because when it is absent a webhook parses user mentions and a bot message
/// parses all of them. `parse` stays empty unless the template itself says `@everyone` or
/// `@here`; roles and users the template names as `<@&id>` / `<@id>` (`<@!id>`) are listed by
/// id (Discord refuses `parse: ["roles"]` together with a `roles` list, so ids are the only way
/// to allow some roles and not others). A Twitch title that says `<@&123>` still pings nobody:
/// its text is escaped, and 123 is not on the list unless the agency typed it.
public struct DiscordAllowedMentions: Sendable, Hashable {
    /// `@everyone` / `@here` appear in the template's own text.
    public let everyone: Bool
    /// Role ids, in order of appearance, without repeats.
    public let roles: [String]
    /// User ids, in order of appearance, without repeats.
    public let users: [String]

    public init(everyone: Bool = false, roles: [String] = [], users: [String] = []) {
        self.everyone = everyone
        self.roles = roles
        self.users = users
    }

    /// The mentions in a template's literal text (placeholders are not looked into).
    public init(template: NotificationTemplate) {
        self.init(literalText: template.literalText)
    }

    /// The mentions in text the agency wrote.
    public init(literalText text: String) {
        var everyone = false
        var roles: [String] = []
        var users: [String] = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "@" {
                let rest = String(String.UnicodeScalarView(scalars[(index + 1)...].prefix(8)))
                if rest.hasPrefix("everyone") || rest.hasPrefix("here") { everyone = true }
            }
            if scalars[index] == "<", index + 2 < scalars.count, scalars[index + 1] == "@" {
                var cursor = index + 2
                var isRole = false
                if scalars[cursor] == "&" {
                    isRole = true
                    cursor += 1
                } else if scalars[cursor] == "!" {
                    cursor += 1
                }
                let digitsStart = cursor
                while cursor < scalars.count, ("0"..."9").contains(scalars[cursor]) { cursor += 1 }
                if cursor > digitsStart, cursor - digitsStart <= 20, cursor < scalars.count, scalars[cursor] == ">" {
                    let id = String(String.UnicodeScalarView(scalars[digitsStart..<cursor]))
                    if isRole { if !roles.contains(id) { roles.append(id) } } else if !users.contains(id) { users.append(id) }
                    index = cursor + 1
                    continue
                }
            }
            index += 1
        }
        self.init(everyone: everyone, roles: roles, users: users)
    }

    /// `{"parse":[…],"roles":[…],"users":[…]}` (empty id lists left out).
    public var json: JSONValue {
        var object: [String: JSONValue] = ["parse": everyone ? ["everyone"] : []]
        if !roles.isEmpty { object["roles"] = .array(roles.map(JSONValue.string)) }
        if !users.isEmpty { object["users"] = .array(users.map(JSONValue.string)) }
        return .object(object)
    }
}
