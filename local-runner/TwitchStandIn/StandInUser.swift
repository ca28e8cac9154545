import JSONValue

/// A Twitch user the stand-in knows.
public struct StandInUser: Sendable, Equatable {
    public let id: String
    public let login: String
    public var displayName: String
    /// `partner`, `affiliate` or "".
    public var broadcasterType: String
    /// Whether the user has authorized the client id: their subscriptions cost 0 (RFC 0014).
    public var hasAuthorizedApp: Bool
    public let createdAt: String

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
