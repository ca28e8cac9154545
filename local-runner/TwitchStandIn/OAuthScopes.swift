/// The scope names `/oauth2/authorize` accepts: Twitch's current Helix, EventSub and chat scopes.
/// Anything else is refused like Twitch refuses a misspelt or retired scope (`user_read`), so a
/// typo in the product's consent URL fails locally too.
enum OAuthScopes {
    /// What the product's consent URL asks for (every scope the subscription catalog needs); the
    /// `authorized` flag of `POST /_stand-in/users` grants exactly these.
    static let eventSubScopes: Set<String> = [
        "moderator:read:followers", "channel:read:subscriptions", "bits:read", "channel:read:hype_train", "channel:moderate",
        "moderation:read", "user:read:chat", "user:bot", "channel:bot",
    ]

    static let known: Set<String> = eventSubScopes.union([
        "analytics:read:extensions", "analytics:read:games",
        "channel:edit:commercial", "channel:manage:ads", "channel:read:ads", "channel:manage:broadcast", "channel:read:charity",
        "channel:read:editors", "channel:manage:extensions", "channel:read:goals", "channel:read:guest_star", "channel:manage:guest_star",
        "channel:manage:moderators", "channel:read:polls", "channel:manage:polls", "channel:read:predictions",
        "channel:manage:predictions", "channel:manage:raids", "channel:read:redemptions", "channel:manage:redemptions",
        "channel:manage:schedule", "channel:read:stream_key", "channel:manage:videos", "channel:read:vips", "channel:manage:vips",
        "clips:edit",
        "moderator:manage:announcements", "moderator:manage:automod", "moderator:read:automod_settings",
        "moderator:manage:automod_settings", "moderator:read:banned_users", "moderator:manage:banned_users",
        "moderator:read:blocked_terms", "moderator:manage:blocked_terms", "moderator:read:chat_messages",
        "moderator:manage:chat_messages", "moderator:read:chat_settings", "moderator:manage:chat_settings", "moderator:read:chatters",
        "moderator:read:guest_star", "moderator:manage:guest_star", "moderator:read:moderators", "moderator:read:shield_mode",
        "moderator:manage:shield_mode", "moderator:read:shoutouts", "moderator:manage:shoutouts", "moderator:read:suspicious_users",
        "moderator:read:unban_requests", "moderator:manage:unban_requests", "moderator:read:vips", "moderator:read:warnings",
        "moderator:manage:warnings",
        "user:edit", "user:edit:broadcast", "user:read:blocked_users", "user:manage:blocked_users", "user:read:broadcast",
        "user:manage:chat_color", "user:read:email", "user:read:emotes", "user:read:follows", "user:read:moderated_channels",
        "user:read:subscriptions", "user:read:whispers", "user:manage:whispers", "user:write:chat",
        "chat:edit", "chat:read", "whispers:read",
    ])

    /// The first name in `scopes` that is not a known scope.
    static func firstUnknown(in scopes: [String]) -> String? { scopes.first { !known.contains($0) } }

    /// `scope` of the authorize request: space-delimited, each name once, in the order asked.
    static func parse(_ text: String) -> [String] {
        var seen: Set<String> = []
        return text.split(separator: " ").map(String.init).filter { seen.insert($0).inserted }
    }
}
