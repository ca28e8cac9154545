import JSONValue
public import NotificationMessages
public import Postgres
public import SecretSealing

/// One place an agency sends alerts to, with its rules and templates, as stored in
/// `notification_destinations`. The URL and the secret stay sealed here; `openURL` /
/// `openSecret` give the plaintext to the one caller that must send it.
public struct NotificationDestination: Sendable {
    public let id: String
    public let companyID: String
    public var name: String
    public var kind: NotificationKind
    /// `v1.<key id>.<data>`, sealed for `urlContext(id)`.
    public var sealedURL: String
    /// What the API shows instead of the URL (scheme, host and the last characters).
    public var urlHint: String
    /// `webhook`: the `whsec_…` signing secret; `discord`: an optional bot token. Sealed for
    /// `secretContext(id)`.
    public var sealedSecret: String?
    public var discordChannelID: String?
    public var enabled: Bool
    public var disabledReason: String?
    /// RFC 3339 UTC, or nil.
    public var disabledAt: String?
    public var creatorScope: NotificationCreatorScope
    public var eventTypes: [String]
    public var minBits: Int
    public var minGiftTotal: Int
    public var minRaidViewers: Int
    public var cooldownSeconds: Int
    /// The agency's own templates by event type; `template(for:)` falls back to the standard one.
    public var templates: [String: NotificationMessageTemplate]
    /// RFC 3339 UTC.
    public var createdAt: String
    public var updatedAt: String

    /// The event types a destination may announce, in the order the API lists them.
    public static let supportedEventTypes = [
        "stream.online", "stream.offline", "channel.raid", "channel.subscribe", "channel.subscription.gift", "channel.cheer",
    ]

    /// What a new destination announces when its rules name no types.
    public static let defaultEventTypes = ["stream.online"]

    /// Seconds within which a second alert for a creator's event type is skipped, by default.
    public static let defaultCooldownSeconds = 600

    /// The template a delivery of `eventType` renders: the agency's, else the standard one.
    public func template(for eventType: String) -> NotificationMessageTemplate {
        templates[eventType] ?? .standard(for: eventType)
    }

    // MARK: Sealing contexts (a sealed value copied to another row, or URL ↔ secret, does not open)

    public static func urlContext(_ id: String) -> String { "notification-destination:\(id):url" }
    public static func secretContext(_ id: String) -> String { "notification-destination:\(id):secret" }

    /// The destination URL as the user gave it (Discord's normalised to the pinned version).
    public func openURL(with keys: SealingKeyRing) throws(SecretSealingError) -> SecretText {
        try keys.openSecret(sealedURL, context: Self.urlContext(id))
    }

    /// The webhook signing secret (`whsec_…`) or the Discord bot token; nil when there is none.
    public func openSecret(with keys: SealingKeyRing) throws(SecretSealingError) -> SecretText? {
        guard let sealedSecret else { return nil }
        return try keys.openSecret(sealedSecret, context: Self.secretContext(id))
    }

    /// The signing secret of a `webhook` destination; nil for other kinds or when there is none.
    public func openWebhookSecret(with keys: SealingKeyRing) throws(SecretSealingError) -> WebhookSecret? {
        guard kind == .webhook, let text = try openSecret(with: keys) else { return nil }
        guard let secret = WebhookSecret(text.reveal()) else { throw .malformed("the stored signing secret is not whsec_<base64>") }
        return secret
    }

    // MARK: Loading (in the caller's tenant scope: RLS decides what is visible)

    static let columns = """
        id, company_id, name, kind, url_sealed, url_hint, secret_sealed, discord_channel_id, enabled, disabled_reason,
        to_char(disabled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS disabled_at_text,
        creator_scope, topics, creator_ids, event_types, min_bits, min_gift_total, min_raid_viewers, cooldown_seconds,
        templates::text AS templates_text,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_text,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at_text
        """

    /// The destination `id` if the current tenant can see it; nil for an unknown id, another
    /// company's, or a string that is not a UUID.
    public static func load(id: String, on connection: PostgresConnection) throws -> NotificationDestination? {
        guard TenantID.isValid(id) else { return nil }
        return try connection.query("SELECT \(columns) FROM notification_destinations WHERE id = $1", [id]).first.map(decode)
    }

    /// `load`, taking a row lock so a delivery and an edit of the same destination serialize.
    public static func loadForUpdate(id: String, on connection: PostgresConnection) throws -> NotificationDestination? {
        guard TenantID.isValid(id) else { return nil }
        return try connection.query("SELECT \(columns) FROM notification_destinations WHERE id = $1 FOR UPDATE", [id]).first.map(decode)
    }

    /// Every destination of the current tenant, oldest first.
    public static func list(on connection: PostgresConnection) throws -> [NotificationDestination] {
        try connection.query("SELECT \(columns) FROM notification_destinations ORDER BY created_at, id").rows.map(decode)
    }

    static func decode(_ row: QueryResult.Row) throws -> NotificationDestination {
        let id = try row.require("id")
        guard let kind = NotificationKind(rawValue: try row.require("kind")) else {
            throw PostgresError(kind: .decoding, message: "notification destination \(id) has an unknown kind")
        }
        func int(_ column: String) throws -> Int { Int(try row.requireInt64(column)) }
        var templates: [String: NotificationMessageTemplate] = [:]
        if let text = row["templates_text"], let members = (try? JSONParser.parse(text))?.objectValue {
            for (eventType, value) in members {
                // A stored template that no longer reads (a field renamed since) falls back to the standard one.
                if let template = try? NotificationMessageTemplate(json: value) { templates[eventType] = template }
            }
        }
        return NotificationDestination(
            id: id, companyID: try row.require("company_id"), name: try row.require("name"), kind: kind,
            sealedURL: try row.require("url_sealed"), urlHint: try row.require("url_hint"), sealedSecret: row["secret_sealed"],
            discordChannelID: row["discord_channel_id"], enabled: row.bool("enabled") ?? false, disabledReason: row["disabled_reason"],
            disabledAt: row["disabled_at_text"],
            creatorScope: NotificationCreatorScope(name: try row.require("creator_scope"), topics: PostgresArray.parse(row["topics"] ?? "{}"),
                                                   creatorIDs: PostgresArray.parse(row["creator_ids"] ?? "{}")),
            eventTypes: PostgresArray.parse(row["event_types"] ?? "{}"), minBits: try int("min_bits"),
            minGiftTotal: try int("min_gift_total"), minRaidViewers: try int("min_raid_viewers"), cooldownSeconds: try int("cooldown_seconds"),
            templates: templates, createdAt: try row.require("created_at_text"), updatedAt: try row.require("updated_at_text"))
    }
}
