import JSONValue

/// One entry of `GET /helix/users`.
public struct HelixUser: Sendable, Equatable {
    public let id: String
    public let login: String
    public let displayName: String
    public let profileImageURL: String
    /// `partner`, `affiliate` or "".
    public let broadcasterType: String
    /// RFC 3339.
    public let createdAt: String

    public init(id: String, login: String, displayName: String, profileImageURL: String, broadcasterType: String, createdAt: String) {
        self.id = id
        self.login = login
        self.displayName = displayName
        self.profileImageURL = profileImageURL
        self.broadcasterType = broadcasterType
        self.createdAt = createdAt
    }

    init(json: JSONValue) throws(HelixError) {
        let fields = try JSONFields(json, context: "user")
        self.init(
            id: try fields.string("id"), login: try fields.string("login"), displayName: try fields.string("display_name"),
            profileImageURL: fields.optionalString("profile_image_url") ?? "",
            broadcasterType: fields.optionalString("broadcaster_type") ?? "",
            createdAt: fields.optionalString("created_at") ?? "")
    }
}
