extension RumbleLivestreamKey {
    /// The `SecretSealing` context of a channel row's `api_url_sealed`: the creators API seals the
    /// URL with it, the `rumble-status` job opens it. Bound to the row, so a sealed URL copied onto
    /// another row (another company's) does not open.
    public static func sealingContext(channelRowID: String) -> String { "creator-channel:\(channelRowID):rumble-api-url" }

    /// The URL as it is sealed: Rumble's own form, whatever host it was pasted with (requests are
    /// rebuilt from the configured base URL anyway).
    public var canonicalURL: String { RumbleConfiguration.rumbleBaseURL + Self.path + "?key=" + secret }

    /// What may be shown of a sealed URL: Rumble's endpoint and the key's last characters.
    public var hint: String { RumbleConfiguration.rumbleBaseURL + Self.path + "?key=…" + secret.suffix(4) }
}
