/// A Twitch account as the creators routes need it.
public struct TwitchUserRecord: Sendable, Equatable {
    public let id: String
    public let login: String
    public let displayName: String

    public init(id: String, login: String, displayName: String) {
        self.id = id
        self.login = login
        self.displayName = displayName
    }
}

/// Resolves a Twitch login to its account (Helix `GET /users`). Abstracted so the routes do not
/// care whether Twitch or the local stand-in answers.
public protocol TwitchUserLookup: Sendable {
    /// nil when Twitch has no such login.
    func user(login: String) async throws -> TwitchUserRecord?
}
