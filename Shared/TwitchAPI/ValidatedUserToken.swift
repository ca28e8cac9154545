import JSONValue

/// What `GET /oauth2/validate` says about a user access token. Twitch asks apps that keep user
/// tokens to validate them at start and hourly; `userID` confirms whose token it is.
public struct ValidatedUserToken: Sendable, Equatable {
    public let clientID: String
    public let login: String
    public let userID: String
    /// Twitch sends `null` for a token without scopes: read as none.
    public let scopes: [String]
    /// Seconds left; nil when Twitch sends none (tokens of old clients that do not expire).
    public let expiresIn: Int?

    public init(clientID: String, login: String, userID: String, scopes: [String], expiresIn: Int?) {
        self.clientID = clientID
        self.login = login
        self.userID = userID
        self.scopes = scopes
        self.expiresIn = expiresIn
    }

    /// Reads validate's success body (`client_id`, `login`, `user_id`, `scopes`, `expires_in`).
    /// An app access token has no `user_id`, and is refused here: this type is about users.
    public init(json body: [UInt8]) throws(TwitchAuthorizationError) {
        guard let json = try? JSONParser.parse(body), json.objectValue != nil else { throw .invalidResponse("validate: not a JSON object") }
        guard let clientID = json["client_id"]?.stringValue else { throw .invalidResponse("validate: client_id missing") }
        guard let userID = json["user_id"]?.stringValue, !userID.isEmpty else {
            throw .invalidResponse("validate: user_id missing (not a user access token)")
        }
        guard let login = json["login"]?.stringValue else { throw .invalidResponse("validate: login missing") }
        self.init(clientID: clientID, login: login, userID: userID, scopes: UserTokens.scopes(json["scopes"]),
                  expiresIn: json["expires_in"]?.int64Value.map { Int($0) })
    }
}
