import JSONValue

/// The tokens of one creator's authorization (authorization code grant or refresh). Prints
/// without the tokens (`description`, `debugDescription`, `dump`), so logging it leaks nothing.
public struct UserTokens: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let accessToken: String
    /// May differ from the one a refresh sent: persist whatever comes back, every time.
    public let refreshToken: String
    /// Seconds the access token lives from when Twitch answered (about four hours).
    public let expiresIn: Int
    /// The scopes the creator granted.
    public let scopes: [String]

    public init(accessToken: String, refreshToken: String, expiresIn: Int, scopes: [String]) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.scopes = scopes
    }

    /// Reads `POST /oauth2/token`'s success body: `access_token`, `refresh_token`, `expires_in`,
    /// `scope`. Twitch documents `scope` as an array, but one of its own examples shows a
    /// space-separated string: both are read; missing or null is no scopes.
    public init(json body: [UInt8]) throws(TwitchAuthorizationError) {
        guard let json = try? JSONParser.parse(body), json.objectValue != nil else { throw .invalidResponse("token: not a JSON object") }
        guard let accessToken = json["access_token"]?.stringValue, !accessToken.isEmpty else {
            throw .invalidResponse("token: access_token missing")
        }
        guard let refreshToken = json["refresh_token"]?.stringValue, !refreshToken.isEmpty else {
            throw .invalidResponse("token: refresh_token missing")
        }
        guard let expiresIn = json["expires_in"]?.int64Value, expiresIn >= 0 else { throw .invalidResponse("token: expires_in missing") }
        self.init(accessToken: accessToken, refreshToken: refreshToken, expiresIn: Int(expiresIn), scopes: Self.scopes(json["scope"]))
    }

    /// An array of strings, or one space-separated string.
    static func scopes(_ value: JSONValue?) -> [String] {
        if let array = value?.arrayValue { return array.compactMap(\.stringValue).filter { !$0.isEmpty } }
        if let text = value?.stringValue { return text.split(separator: " ").map(String.init) }
        return []
    }

    public var description: String {
        "UserTokens(accessToken: <redacted>, refreshToken: <redacted>, expiresIn: \(expiresIn), scopes: \(scopes.joined(separator: " ")))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["accessToken": "<redacted>", "refreshToken": "<redacted>", "expiresIn": expiresIn, "scopes": scopes],
               displayStyle: .struct)
    }
}
