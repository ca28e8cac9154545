import JSONValue

/// A Twitch user the stand-in knows.
public struct StandInUser: Sendable, Equatable {
    public let id: String
    public let login: String
    public var displayName: String
    /// `partner`, `affiliate` or "".
    public var broadcasterType: String
    /// The scopes the user has granted the client id: the union over every approved grant, as
    /// Twitch adds each grant's scopes to the app's authorization. Disconnecting empties it.
    public internal(set) var grantedScopes: Set<String>
    public let createdAt: String

    /// Whether the user has authorized the client id (granted any scope): their subscriptions cost
    /// 0 (RFC 0014), and types that need a scope may be created for them.
    public var hasAuthorizedApp: Bool { !grantedScopes.isEmpty }

    /// Twitch's default avatar, so dashboards have an image to show.
    static let defaultProfileImageURL =
        "https://static-cdn.jtvnw.net/user-default-pictures-uv/de130ab0-def7-11e9-b668-784f43822e80-profile_image-300x300.png"

    /// The shape of `GET /helix/users` entries.
    var json: JSONValue {
        ["id": .string(id), "login": .string(login), "display_name": .string(displayName), "type": "",
         "broadcaster_type": .string(broadcasterType), "description": "", "profile_image_url": .string(Self.defaultProfileImageURL),
         "offline_image_url": "", "view_count": 0, "created_at": .string(createdAt)]
    }
}
