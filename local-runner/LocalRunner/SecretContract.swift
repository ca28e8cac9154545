/// The keys of the `ccr-secrets` Secret: every setting a manifest reads from it, whether it may be
/// absent, who reads it and how an operator makes its value. The table "Secrets" in
/// `infra/README.md` mirrors this list (`ManifestValidationTests` checks both ways), and the
/// manifest validator rejects a manifest naming a key that is not here.
public enum SecretContract {
    public struct Key: Sendable, Equatable {
        public let name: String
        /// May be absent from the Secret (`optional: true` in every `secretKeyRef`).
        public let optional: Bool
        public let usedBy: String
        public let value: String
    }

    public static let keys: [Key] = [
        Key(name: "DATABASE_URL", optional: false, usedBy: "every function, worker and the relay",
            value: "`postgres://ccr_app:PASSWORD@HOST:5432/ccr?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt` (the app role)"),
        Key(name: "DATABASE_SESSION_URL", optional: true, usedBy: "twitch-webhook, status-reconciliation, event-archive",
            value: "only behind a transaction-mode pooler (PgBouncer, RDS Proxy): a session-mode pool or the database itself, for the advisory locks held across transactions; unset, `DATABASE_URL` serves"),
        Key(name: "DATABASE_PREPARED_STATEMENTS", optional: true, usedBy: "every function, worker and the relay",
            value: "`false` behind a transaction-mode pooler that keeps no named statements (PgBouncer < 1.21); unset = `true`"),
        Key(name: "DATABASE_ADMIN_URL", optional: false, usedBy: "the migrate Job only; never give it to a function",
            value: "the same with `ccr_owner` (the owner role, runs migrations)"),
        Key(name: "REDIS_URL", optional: false, usedBy: "every function, worker, CronJob and the relay",
            value: "`redis://USER:PASSWORD@HOST:6379` (`default` as USER without ACL users); database 0"),
        Key(name: "REDIS_ADDRESS", optional: false, usedBy: "KEDA (TriggerAuthentication `ccr-redis`)",
            value: "`HOST:6379` of `REDIS_URL`: the same server, as KEDA's scaler dials it"),
        Key(name: "REDIS_USERNAME", optional: false, usedBy: "KEDA",
            value: "the user of `REDIS_URL` (`default` without ACL users)"),
        Key(name: "REDIS_PASSWORD", optional: false, usedBy: "KEDA", value: "the password of `REDIS_URL`"),
        Key(name: "TWITCH_CLIENT_ID", optional: false, usedBy: "creators, creator-link, the Twitch jobs",
            value: "the Twitch application's client id (dev.twitch.tv console)"),
        Key(name: "TWITCH_CLIENT_SECRET", optional: false, usedBy: "creators, creator-link, the Twitch jobs",
            value: "the Twitch application's client secret"),
        Key(name: "TWITCH_API_BASE_URL", optional: true, usedBy: "creators, the Twitch jobs",
            value: "leave unset (Helix); a stand-in's URL in tests"),
        Key(name: "TWITCH_AUTH_BASE_URL", optional: true, usedBy: "creators, creator-link, the Twitch jobs",
            value: "leave unset (id.twitch.tv); a stand-in's URL in tests"),
        Key(name: "TWITCH_EVENTSUB_SECRET", optional: false, usedBy: "twitch-webhook, subscription-renewal",
            value: "10–100 printable ASCII characters: `openssl rand -hex 32`"),
        Key(name: "TWITCH_EVENTSUB_SECRET_PREVIOUS", optional: true, usedBy: "twitch-webhook, during a rotation",
            value: "the previous secret; empty = unset"),
        Key(name: "EVENTSUB_CALLBACK_URL", optional: false, usedBy: "subscription-renewal",
            value: "`https://HOST/webhooks/twitch` (port 443; Twitch delivers there)"),
        Key(name: "TWITCH_REDIRECT_URL", optional: false, usedBy: "creators, creator-link",
            value: "`https://HOST/creator-link/callback`, registered exactly as an OAuth Redirect URL of the Twitch application"),
        Key(name: "TOKEN_ENCRYPTION_KEYS", optional: false, usedBy: "creators, creator-link, twitch-token-refresh, notifications, notify",
            value: "`k1:` + `openssl rand -base64 32` (`id:base64-of-32-bytes[,id:…]`; the first seals, all open)"),
        Key(name: "OUTBOUND_ALLOW_PRIVATE", optional: true, usedBy: "notifications, notify",
            value: "leave unset (destinations must be https on public addresses); `true` only for tests and the local stand-ins"),
        Key(name: "OUTBOUND_ALLOWED_PORTS", optional: true, usedBy: "notifications, notify",
            value: "optional: comma-separated ports destinations may use, e.g. `443,8443`; unset = any port"),
        Key(name: "NOTIFY_DISCORD_HOSTS", optional: true, usedBy: "notifications",
            value: "leave unset (Discord's own hosts are always allowed); hosts allowed besides them, e.g. the stand-in's `host:port` locally"),
        Key(name: "NOTIFY_SLACK_HOSTS", optional: true, usedBy: "notifications",
            value: "leave unset (hooks.slack.com is always allowed); hosts allowed besides it, e.g. the stand-in's `host:port` locally"),
        Key(name: "YOUTUBE_API_KEY", optional: true, usedBy: "creators, the YouTube jobs",
            value: "a YouTube Data API v3 key (Google Cloud console, restricted to that API); unset, adding YouTube channels answers 503"),
        Key(name: "YOUTUBE_API_BASE_URL", optional: true, usedBy: "creators, the YouTube jobs",
            value: "leave unset (`https://www.googleapis.com`); a stand-in's URL in tests"),
        Key(name: "YOUTUBE_QUOTA_PER_DAY", optional: true, usedBy: "creators, the YouTube jobs",
            value: "the project's daily Data API units, counted in Redis; unset = `10000`"),
        Key(name: "RUMBLE_API_BASE_URL", optional: true, usedBy: "creators, rumble-status",
            value: "leave unset (`https://rumble.com`); a stand-in's URL in tests"),
        Key(name: "RUMBLE_REQUEST_TIMEOUT_SECONDS", optional: true, usedBy: "creators, rumble-status",
            value: "leave unset (`10`)"),
        Key(name: "RUMBLE_USER_AGENT", optional: true, usedBy: "creators, rumble-status",
            value: "leave unset; another User-Agent if Rumble's CDN challenges the default"),
        Key(name: "RUMBLE_POLL_SECONDS", optional: true, usedBy: "rumble-status",
            value: "how often a healthy Rumble channel is polled (10–3600); unset = `60`; failures back off up to 30 minutes, refused keys retry hourly"),
        Key(name: "YOUTUBE_WEBSUB_SECRET", optional: true, usedBy: "youtube-webhook, youtube-subscriptions",
            value: "10–100 printable ASCII characters: `openssl rand -hex 32` (each subscription's `hub.secret` derives from it); required once YouTube channels are tracked"),
        Key(name: "YOUTUBE_WEBSUB_SECRET_PREVIOUS", optional: true, usedBy: "youtube-webhook, during a rotation",
            value: "the previous master; keep it one lease (5 days) after the rotation; empty = unset"),
        Key(name: "YOUTUBE_WEBSUB_CALLBACK_URL", optional: true, usedBy: "youtube-subscriptions",
            value: "`https://HOST/webhooks/youtube` (each channel's callback adds `/<channel id>`); required once YouTube channels are tracked"),
        Key(name: "YOUTUBE_HUB_URL", optional: true, usedBy: "youtube-subscriptions",
            value: "leave unset (`https://pubsubhubbub.appspot.com/subscribe`); a stand-in's hub in tests"),
        Key(name: "YOUTUBE_WEBSUB_LEASE_SECONDS", optional: true, usedBy: "youtube-subscriptions",
            value: "the lease asked for (3600–2592000); unset = `432000` (5 days); renewed 10 % (at most a day) before it ends"),
        Key(name: "YOUTUBE_RECHECK_SECONDS", optional: true, usedBy: "youtube-status",
            value: "the live re-check cadence at full quota, the job's schedule (10–3600); unset = `60`; stretched ×2/×4 as the quota runs low"),
        Key(name: "JWT_ISSUER", optional: false, usedBy: "the REST functions, auth, the relay",
            value: "the access tokens' issuer: `https://HOST`"),
        Key(name: "JWT_AUDIENCE", optional: false, usedBy: "the REST functions, auth, the relay", value: "`creator-control-room`"),
        Key(name: "JWT_JWKS_URL", optional: true, usedBy: "the REST functions, the relay",
            value: "leave unset: tokens verify with the auth function's keys from Postgres (an external key set is an extra)"),
        Key(name: "AUTH_PUBLIC_URL", optional: false, usedBy: "auth", value: "`https://HOST` (callback `https://HOST/auth/callback`)"),
        Key(name: "AUTH_KEY_ENCRYPTION_KEY", optional: false, usedBy: "auth",
            value: "`openssl rand -base64 32` (seals the signing keys in Postgres)"),
        Key(name: "OIDC_PROVIDERS", optional: false, usedBy: "auth", value: "comma-separated provider ids, e.g. `google,entra`"),
        Key(name: "OIDC_GOOGLE_ISSUER", optional: true, usedBy: "auth, when `google` is listed", value: "`https://accounts.google.com`"),
        Key(name: "OIDC_GOOGLE_CLIENT_ID", optional: true, usedBy: "auth, when `google` is listed", value: "the OAuth client's id"),
        Key(name: "OIDC_GOOGLE_CLIENT_SECRET", optional: true, usedBy: "auth, when `google` is listed", value: "the OAuth client's secret"),
        Key(name: "OIDC_GOOGLE_HOSTED_DOMAIN", optional: true, usedBy: "auth, when `google` is listed",
            value: "optional: the Workspace domain sign-ins must belong to"),
        Key(name: "OIDC_ENTRA_ISSUER", optional: true, usedBy: "auth, when `entra` is listed",
            value: "`https://login.microsoftonline.com/TENANT_ID/v2.0`"),
        Key(name: "OIDC_ENTRA_CLIENT_ID", optional: true, usedBy: "auth, when `entra` is listed", value: "the app registration's id"),
        Key(name: "OIDC_ENTRA_CLIENT_SECRET", optional: true, usedBy: "auth, when `entra` is listed", value: "the app registration's secret"),
        Key(name: "S3_ENDPOINT", optional: false, usedBy: "account (logos), events (archives), event-archive",
            value: "the S3-compatible endpoint, e.g. `https://s3.eu-west-1.amazonaws.com`"),
        Key(name: "S3_BUCKET", optional: false, usedBy: "account, events, event-archive", value: "the bucket name"),
        Key(name: "S3_REGION", optional: false, usedBy: "account, events, event-archive", value: "e.g. `eu-west-1`"),
        Key(name: "S3_ACCESS_KEY_ID", optional: false, usedBy: "account, events, event-archive", value: "an access key limited to the bucket"),
        Key(name: "S3_SECRET_ACCESS_KEY", optional: false, usedBy: "account, events, event-archive", value: "its secret"),
        Key(name: "RELAY_PUBLIC_URL", optional: true, usedBy: "dashboard (`/dashboard/config.json`)",
            value: "`https://HOST` (the relay behind the same Ingress at `/socket.io/`); unset, the dashboard polls REST"),
        Key(name: "DASHBOARD_IMAGE_ORIGINS", optional: true, usedBy: "dashboard (CSP `img-src`)",
            value: "the origin that serves uploaded logos, e.g. `https://BUCKET.s3.eu-west-1.amazonaws.com`"),
    ]

    public static var names: [String] { keys.map(\.name) }

    /// Unknown names count as required: the validator reports them as outside the contract.
    public static func isOptional(_ name: String) -> Bool {
        keys.first { $0.name == name }?.optional ?? false
    }

    /// The README's table, rows in this list's order.
    public static func markdownTable() -> String {
        "| key | optional | used by | value |\n| --- | --- | --- | --- |\n"
            + keys.map { "| `\($0.name)` | \($0.optional ? "yes" : "no") | \($0.usedBy) | \($0.value) |" }.joined(separator: "\n") + "\n"
    }
}
