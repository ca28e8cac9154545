public import JSONValue
public import NotificationMessages
public import Postgres

/// The values a template renders, read from a stored event, its creator and the creator's
/// current status (title and category come from `creator_status`: a go-live event carries
/// neither). Used by deliveries and by the admin's preview, so both render the same values.
public enum NotificationEventContext {
    /// The creator facts a message uses, from `creators` and `creator_status`.
    public struct Creator: Sendable, Hashable {
        public var login: String?
        public var displayName: String?
        public var title: String?
        public var category: String?
        public var viewers: Int64?

        public init(login: String? = nil, displayName: String? = nil, title: String? = nil, category: String? = nil, viewers: Int64? = nil) {
            self.login = login
            self.displayName = displayName
            self.title = title
            self.category = category
            self.viewers = viewers
        }
    }

    /// The context of one stored event: `data` is the event's compact data (`events.data`, as
    /// `EventSubNormalizer` writes it).
    /// `platform` is the event's (`events.platform`): a YouTube or Rumble go-live names its
    /// platform and carries its own title and stream page in `data`.
    public static func make(eventID: String, eventType: String, occurredAt: String, creatorID: String?, data: JSONValue,
                            creator: Creator, platform: String = "twitch") -> NotificationContext {
        var values: [NotificationPlaceholder: String] = [:]
        values[.creatorLogin] = creator.login
        values[.creatorDisplayName] = creator.displayName ?? creator.login
        values[.streamTitle] = creator.title
        values[.streamCategory] = creator.category
        switch platform {
        case "youtube", "rumble":
            values[.streamPlatform] = platform == "youtube" ? "YouTube" : "Rumble"
            values[.streamTitle] = data["title"]?.stringValue
            values[.streamCategory] = nil
            if let url = data["url"]?.stringValue, url.hasPrefix("https://") { values[.streamURL] = url }
        default:
            break
        }
        if let viewers = creator.viewers, viewers > 0 { values[.eventViewers] = String(viewers) }
        func number(_ key: String) -> String? { data[key]?.int64Value.map { String($0) } }
        switch eventType {
        case "channel.raid":
            values[.raidFrom] = data["from"]?["name"]?.stringValue ?? data["from"]?["login"]?.stringValue
            values[.raidViewers] = number("viewers")
            values[.eventViewers] = number("viewers")
        case "channel.subscribe", "channel.subscription.message":
            values[.subTier] = tierName(data["tier"]?.stringValue)
            values[.eventMessage] = data["message"]?.stringValue
        case "channel.subscription.gift":
            values[.subTier] = tierName(data["tier"]?.stringValue)
            values[.giftCount] = number("total")
        case "channel.cheer":
            values[.cheerBits] = number("bits")
            values[.eventMessage] = data["message"]?.stringValue
        default:
            break
        }
        return NotificationContext(eventID: eventID, eventType: eventType, occurredAt: occurredAt, creatorID: creatorID,
                                   values: values.compactMapValues { $0 })
    }

    /// Twitch's tier codes as people say them.
    static func tierName(_ code: String?) -> String? {
        switch code {
        case "1000": return "Tier 1"
        case "2000": return "Tier 2"
        case "3000": return "Tier 3"
        case "prime"?, "Prime"?: return "Prime"
        default: return code
        }
    }

    static let select = """
        SELECT e.id, e.subscription_type, e.creator_id, e.data::text AS data_text, e.platform,
               to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS occurred_at_text,
               c.login, c.display_name, s.title, s.category_name, s.viewer_count
        """

    /// The stored event `eventID` of the current tenant, or nil when it is gone (retention) or
    /// belongs to another company.
    public static func load(eventID: Int64, on connection: PostgresConnection) throws -> NotificationContext? {
        try connection.query(select + """
             FROM events e LEFT JOIN creators c ON c.id = e.creator_id LEFT JOIN creator_status s ON s.creator_id = e.creator_id
            WHERE e.id = $1
            """, [eventID]).first.map(decode)
    }

    /// The current tenant's newest stored event of `eventType` (optionally of one creator), for
    /// previews. Looks at the newest events only, so a type the company never receives costs a
    /// bounded scan rather than one of its whole history.
    public static func latest(eventType: String, creatorIDs: [String]? = nil, on connection: PostgresConnection) throws -> NotificationContext? {
        try connection.query(select + """
             FROM (SELECT id, subscription_type, creator_id, data, occurred_at, platform FROM events
                   WHERE company_id = current_company_id() ORDER BY id DESC LIMIT 20000) e
             LEFT JOIN creators c ON c.id = e.creator_id LEFT JOIN creator_status s ON s.creator_id = e.creator_id
            WHERE e.subscription_type = $1 AND ($2::uuid[] IS NULL OR e.creator_id = ANY ($2::uuid[]))
            ORDER BY e.id DESC LIMIT 1
            """, [eventType, creatorIDs.map(PostgresArray.literal)]).first.map(decode)
    }

    /// `latest`, else a `sample` stamped with the database's clock (previews and test sends).
    public static func latestOrSample(eventType: String, creatorIDs: [String]? = nil,
                                      on connection: PostgresConnection) throws -> (context: NotificationContext, isSample: Bool) {
        if let stored = try latest(eventType: eventType, creatorIDs: creatorIDs, on: connection) { return (stored, false) }
        let now = try connection.query(#"SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS now"#).first?["now"] ?? ""
        return (sample(eventType: eventType, occurredAt: now), true)
    }

    static func decode(_ row: QueryResult.Row) throws -> NotificationContext {
        let data = row["data_text"].flatMap { try? JSONParser.parse($0) } ?? .object([:])
        let creator = Creator(login: row["login"], displayName: row["display_name"], title: row["title"], category: row["category_name"],
                              viewers: row["viewer_count"].flatMap { Int64($0) })
        return make(eventID: try row.require("id"), eventType: try row.require("subscription_type"), occurredAt: try row.require("occurred_at_text"),
                    creatorID: row["creator_id"], data: data, creator: creator, platform: row["platform"] ?? "twitch")
    }

    /// An invented event for a preview or a test send when the company has none of the type:
    /// every value says it is a sample, so nobody mistakes the message for a real alert.
    public static func sample(eventType: String, occurredAt: String) -> NotificationContext {
        let data: JSONValue = [
            "from": ["id": "0", "login": "sample_raider", "name": "Sample Raider"], "viewers": 42, "tier": "1000", "total": 5, "bits": 500,
            "message": "Sample message (a test, not a real event)",
        ]
        return make(eventID: "sample", eventType: eventType, occurredAt: occurredAt, creatorID: nil, data: data,
                    creator: Creator(login: "sample_creator", displayName: "Sample Creator",
                                     title: "Sample stream title (a test, not a real event)", category: "Just Chatting", viewers: 42))
    }
}
