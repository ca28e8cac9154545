/// When the socket's access token expires (wall-clock seconds, from its `exp`). On expiry the
/// relay sends `41` and closes; the app reconnects with a fresh token.
struct TokenLifetime {
    var expiresAt = Double.infinity

    func hasExpired(wallNow: Double) -> Bool { wallNow > expiresAt }
}
