public import Settings
public import TwitchAPI

/// `TwitchUserLookup` through Helix `GET /users` with an app access token. The base URLs are
/// the only difference between Twitch and the local stand-in:
/// `TWITCH_CLIENT_ID`, `TWITCH_CLIENT_SECRET`, optional `TWITCH_API_BASE_URL`, `TWITCH_AUTH_BASE_URL`.
public struct HelixUserLookup: TwitchUserLookup {
    let client: HelixClient

    public init(client: HelixClient) {
        self.client = client
    }

    public init(environment: Environment) throws {
        let configuration = try HelixConfiguration.fromEnvironment(environment)
        self.init(client: HelixClient(configuration: configuration))
    }

    public func user(login: String) async throws -> TwitchUserRecord? {
        try await client.users(logins: [login]).first.map { TwitchUserRecord(id: $0.id, login: $0.login, displayName: $0.displayName) }
    }
}
