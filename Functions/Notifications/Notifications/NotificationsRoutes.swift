public import API
import AccessTokens
import FunctionRuntime
import Postgres
public import Redis
public import SecretSealing

/// `notifications`: where an agency's alerts go (Discord, Slack, signed webhooks), which
/// creators and events each destination announces, its message templates, a preview of the exact
/// body, a test send and the delivery log. Owners and admins only (a destination URL is a
/// credential to post into someone's channel); API keys with `notifications:read` / `:write`.
/// URLs and secrets are sealed under `TOKEN_ENCRYPTION_KEYS` and never shown again after the
/// response that created them.
public struct NotificationsRoutes: Sendable {
    let database: TenantDatabase
    let keys: SealingKeyRing
    let urlRules: DestinationURLRules
    /// Where test sends are queued (`notify`); nil: the sweeper picks the row up.
    let redis: RedisClient?

    public init(database: TenantDatabase, keys: SealingKeyRing, urlRules: DestinationURLRules, redis: RedisClient?) {
        self.database = database
        self.keys = keys
        self.urlRules = urlRules
        self.redis = redis
    }

    static let base = "/api/notifications/destinations"

    public var routes: [APIRoute] {
        let read = "notifications:read", write = "notifications:write"
        return [
            APIRoute("GET", Self.base, minimumRole: .admin, scope: read, summary: "List notification destinations", handler: list),
            APIRoute("POST", Self.base, minimumRole: .admin, scope: write, summary: "Create a destination (a webhook's signing secret is shown once)",
                     handler: create),
            APIRoute("GET", Self.base + "/:id", minimumRole: .admin, scope: read, summary: "One destination with its opt-outs", handler: get),
            APIRoute("PATCH", Self.base + "/:id", minimumRole: .admin, scope: write, summary: "Change a destination's URL, rules, templates or state",
                     handler: update),
            APIRoute("DELETE", Self.base + "/:id", minimumRole: .admin, scope: write, summary: "Delete a destination and its delivery log",
                     handler: remove),
            APIRoute("POST", Self.base + "/:id/secret", minimumRole: .admin, scope: write, summary: "Rotate a webhook's signing secret (shown once)",
                     handler: rotateSecret),
            APIRoute("PUT", Self.base + "/:id/opt-outs/:creatorId", minimumRole: .admin, scope: write,
                     summary: "Stop announcing a creator on this destination", handler: optOut),
            APIRoute("DELETE", Self.base + "/:id/opt-outs/:creatorId", minimumRole: .admin, scope: write,
                     summary: "Announce a creator on this destination again", handler: optIn),
            APIRoute("POST", Self.base + "/:id/preview", minimumRole: .admin, scope: write,
                     summary: "The exact body a delivery would send (optional event type and template override)", handler: previewDestination),
            APIRoute("POST", Self.base + "/:id/test", minimumRole: .admin, scope: write, summary: "Queue a test message", handler: testSend),
            APIRoute("GET", Self.base + "/:id/deliveries", minimumRole: .admin, scope: read, summary: "The delivery log, newest first",
                     handler: deliveries),
            APIRoute("POST", "/api/notifications/preview", minimumRole: .admin, scope: write,
                     summary: "The exact body a kind and template would send, before saving", handler: preview),
        ]
    }

    /// The `:id` of the request, or 404 when it cannot be a destination id.
    static func destinationID(_ request: APIRequest) throws -> String {
        let id = request.parameter("id").lowercased()
        guard TenantID.isValid(id) else { throw FunctionError.notFound("destination") }
        return id
    }

    /// Who is named in a disabled destination's reason: the member's email, else the API key or user id.
    static func actorName(_ request: APIRequest) -> String {
        if let key = request.apiKeyID { return "API key \(key)" }
        return request.claims.email ?? "user \(request.claims.subject)"
    }
}
