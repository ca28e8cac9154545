import JSONValue

/// One entry of `GET /helix/streams`: a user who is live right now (offline users are absent).
public struct HelixStream: Sendable, Equatable {
    public let id: String
    public let userID: String
    public let userLogin: String
    public let userName: String
    public let gameID: String
    public let gameName: String
    /// `live`, or "" when Twitch had an error.
    public let type: String
    public let title: String
    public let viewerCount: Int
    /// RFC 3339.
    public let startedAt: String
    public let language: String
    public let tags: [String]

    public init(id: String, userID: String, userLogin: String, userName: String, gameID: String, gameName: String, type: String,
                title: String, viewerCount: Int, startedAt: String, language: String, tags: [String]) {
        self.id = id
        self.userID = userID
        self.userLogin = userLogin
        self.userName = userName
        self.gameID = gameID
        self.gameName = gameName
        self.type = type
        self.title = title
        self.viewerCount = viewerCount
        self.startedAt = startedAt
        self.language = language
        self.tags = tags
    }

    init(json: JSONValue) throws(HelixError) {
        let fields = try JSONFields(json, context: "stream")
        self.init(
            id: try fields.string("id"), userID: try fields.string("user_id"), userLogin: fields.optionalString("user_login") ?? "",
            userName: fields.optionalString("user_name") ?? "", gameID: fields.optionalString("game_id") ?? "",
            gameName: fields.optionalString("game_name") ?? "", type: fields.optionalString("type") ?? "",
            title: fields.optionalString("title") ?? "", viewerCount: fields.optionalInt("viewer_count") ?? 0,
            startedAt: fields.optionalString("started_at") ?? "", language: fields.optionalString("language") ?? "",
            tags: fields.strings("tags"))
    }
}
