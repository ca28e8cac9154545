/// What one `TokenRefresher.run()` did.
public struct TokenRefreshReport: Sendable, Equatable, CustomStringConvertible {
    /// Links the run looked at (expiring soon, or not validated for an hour).
    public var due = 0
    /// New tokens stored.
    public var refreshed = 0
    /// Tokens Twitch still accepts (`/oauth2/validate`, Twitch's hourly requirement).
    public var validated = 0
    /// Refresh tokens Twitch refused: the links now wait for the creator to link again.
    public var needsRelink = 0
    /// Sealed with a key that is not in `TOKEN_ENCRYPTION_KEYS`: left untouched (a configuration
    /// problem must not cost every creator their link).
    public var undecryptable = 0
    /// Another worker held the link, or it changed while refreshing: left to it.
    public var skipped = 0
    /// Twitch unreachable or 5xx: retried by the next run.
    public var failed = 0

    public init() {}

    public var description: String {
        "due=\(due) refreshed=\(refreshed) validated=\(validated) needsRelink=\(needsRelink) undecryptable=\(undecryptable) skipped=\(skipped) failed=\(failed)"
    }
}
