public import API
import SecretSealing
public import Settings

extension NotificationsRoutes {
    /// `TOKEN_ENCRYPTION_KEYS` (seals URLs and secrets), the URL rules (`OUTBOUND_ALLOW_PRIVATE`,
    /// `OUTBOUND_ALLOWED_PORTS`, `NOTIFY_DISCORD_HOSTS`, `NOTIFY_SLACK_HOSTS`), and the API's
    /// database and Redis (test sends are queued there).
    public static func fromEnvironment(_ environment: Environment, dependencies: APIDependencies) throws -> NotificationsRoutes {
        NotificationsRoutes(database: dependencies.database, keys: try SealingKeyRing.fromEnvironment(environment),
                            urlRules: try DestinationURLRules.fromEnvironment(environment), redis: dependencies.redis)
    }
}
