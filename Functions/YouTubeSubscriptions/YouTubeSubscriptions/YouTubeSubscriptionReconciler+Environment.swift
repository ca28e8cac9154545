public import Logging
import Postgres
public import Settings
import WebSub

extension YouTubeSubscriptionReconciler {
    /// `YOUTUBE_WEBSUB_CALLBACK_URL` (the webhook's public URL, `https://HOST/webhooks/youtube`;
    /// each channel's callback is that plus `/<channel id>`), `YOUTUBE_WEBSUB_SECRET` (and
    /// `_PREVIOUS` during a rotation), optional `YOUTUBE_HUB_URL` (default Google's hub; locally the
    /// stand-in) and `YOUTUBE_WEBSUB_LEASE_SECONDS` (default 432000), `DATABASE_URL` (app role),
    /// optional `DATABASE_POOL_SIZE` (default 1).
    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> YouTubeSubscriptionReconciler {
        let push = try YouTubePush.fromEnvironment(environment)
        let pool = try PostgresPool.fromEnvironment(environment, defaultSize: 1, maximumSize: 8, logger: logger)
        var reconciler = YouTubeSubscriptionReconciler(push: push, hub: WebSubHubClient(hubURL: push.hubURL), pool: pool, logger: logger)
        reconciler.closeResources = { await pool.shutdown() }
        return reconciler
    }
}
