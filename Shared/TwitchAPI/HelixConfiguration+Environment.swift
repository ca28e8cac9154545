public import Settings

extension HelixConfiguration {
    /// `TWITCH_CLIENT_ID`, `TWITCH_CLIENT_SECRET`, and optionally `TWITCH_API_BASE_URL` /
    /// `TWITCH_AUTH_BASE_URL` (default: Twitch; locally the stand-in).
    public static func fromEnvironment(_ environment: Environment) throws -> HelixConfiguration {
        HelixConfiguration(
            clientID: try environment.required("TWITCH_CLIENT_ID"),
            clientSecret: try environment.required("TWITCH_CLIENT_SECRET"),
            apiBaseURL: environment.optional("TWITCH_API_BASE_URL") ?? HelixConfiguration.twitchAPIBaseURL,
            authBaseURL: environment.optional("TWITCH_AUTH_BASE_URL") ?? HelixConfiguration.twitchAuthBaseURL)
    }
}
