import JSONValue
import NotificationMessages
import NotificationStore
import Postgres

/// A destination as the API shows it: never the URL or a secret (`urlHint`, `hasSecret`,
/// `bot.hasToken` instead). The same object goes into audit rows, so they hold no secret either.
enum DestinationRepresentation {
    static func json(_ destination: NotificationDestination, optOuts: [JSONValue]? = nil) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        var creators: [String: JSONValue] = ["scope": .string(destination.creatorScope.name)]
        switch destination.creatorScope {
        case .all: break
        case .topics(let topics): creators["topics"] = .array(topics.map(JSONValue.string))
        case .creators(let ids): creators["ids"] = .array(ids.map(JSONValue.string))
        }
        var object: [String: JSONValue] = [
            "id": .string(destination.id), "name": .string(destination.name), "kind": .string(destination.kind.rawValue),
            "urlHint": .string(destination.urlHint), "enabled": .bool(destination.enabled), "disabledReason": text(destination.disabledReason),
            "disabledAt": text(destination.disabledAt), "creators": .object(creators),
            "eventTypes": .array(destination.eventTypes.map(JSONValue.string)), "minBits": .int(Int64(destination.minBits)),
            "minGiftTotal": .int(Int64(destination.minGiftTotal)), "minRaidViewers": .int(Int64(destination.minRaidViewers)),
            "cooldownSeconds": .int(Int64(destination.cooldownSeconds)),
            "templates": .object(destination.templates.mapValues(\.json)),
            "createdAt": .string(destination.createdAt), "updatedAt": .string(destination.updatedAt),
        ]
        switch destination.kind {
        case .webhook:
            object["hasSecret"] = .bool(destination.sealedSecret != nil)
        case .discord:
            object["bot"] = destination.discordChannelID.map { channel in
                ["channelId": .string(channel), "hasToken": .bool(destination.sealedSecret != nil)]
            } ?? .null
        case .slack:
            break
        }
        if let optOuts { object["optOuts"] = .array(optOuts) }
        return .object(object)
    }

    /// The opt-outs of the current tenant's destinations (or of one), by destination id.
    static func optOuts(destinationID: String? = nil, on connection: PostgresConnection) throws -> [String: [JSONValue]] {
        var byDestination: [String: [JSONValue]] = [:]
        let rows = try connection.query("""
            SELECT o.destination_id, o.creator_id, c.login, c.display_name,
                   to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_text
            FROM notification_opt_outs o JOIN creators c ON c.id = o.creator_id
            WHERE $1::uuid IS NULL OR o.destination_id = $1::uuid
            ORDER BY lower(c.display_name), o.creator_id
            """, [destinationID]).rows
        for row in rows {
            byDestination[row["destination_id"] ?? "", default: []].append([
                "creatorId": .string(row["creator_id"] ?? ""), "login": .string(row["login"] ?? ""),
                "displayName": .string(row["display_name"] ?? ""), "createdAt": .string(row["created_at_text"] ?? ""),
            ])
        }
        return byDestination
    }

    /// One destination with its opt-outs, read in the current tenant scope.
    static func load(id: String, on connection: PostgresConnection) throws -> JSONValue? {
        guard let destination = try NotificationDestination.load(id: id, on: connection) else { return nil }
        return json(destination, optOuts: try optOuts(destinationID: id, on: connection)[id] ?? [])
    }
}
