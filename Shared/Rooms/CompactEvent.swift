public import JSONValue

/// The event as dashboards receive it, live (Redis → relay) and on catch-up (REST, relay recovery):
/// one shape everywhere, built from one `events` row.
public struct CompactEvent: Sendable, Equatable {
    /// The `events.id` identity value: ordered per database, the replay offset for recovery.
    public let id: Int64
    public let companyID: String
    public let creatorID: String?
    public let type: String
    public let version: String
    /// `webhook`, or `poll` for events synthesized by status reconciliation.
    public let source: String
    public let occurredAt: String
    public let receivedAt: String
    /// The platform's channel id (Twitch user id, YouTube channel id, Rumble channel name).
    public let broadcasterUserID: String?
    public let data: JSONValue
    /// `twitch`, `youtube` or `rumble` (`events.platform`).
    public let platform: String

    public init(
        id: Int64, companyID: String, creatorID: String?, type: String, version: String, source: String,
        occurredAt: String, receivedAt: String, broadcasterUserID: String?, data: JSONValue, platform: String = "twitch"
    ) {
        self.id = id
        self.companyID = companyID
        self.creatorID = creatorID
        self.type = type
        self.version = version
        self.source = source
        self.occurredAt = occurredAt
        self.receivedAt = receivedAt
        self.broadcasterUserID = broadcasterUserID
        self.data = data
        self.platform = platform
    }

    public var json: JSONValue {
        [
            "id": .int(id),
            "companyId": .string(companyID),
            "creatorId": creatorID.map(JSONValue.string) ?? .null,
            "type": .string(type),
            "version": .string(version),
            "source": .string(source),
            "occurredAt": .string(occurredAt),
            "receivedAt": .string(receivedAt),
            "platform": .string(platform),
            "broadcasterUserId": broadcasterUserID.map(JSONValue.string) ?? .null,
            "data": data,
        ]
    }

    /// The message published to Redis: compact JSON with sorted keys.
    /// `JSONWriter.string(json)`, written straight from the fields (keys in the same sorted
    /// order) without building and sorting a dictionary: this text is what the ingest path
    /// publishes for every row and what an events page is made of.
    public var jsonText: String {
        var output = ""
        output.reserveCapacity(320)
        write(into: &output)
        return output
    }

    public func write(into output: inout String) {
        func optional(_ text: String?) {
            if let text { JSONWriter.writeString(text, into: &output) } else { output += "null" }
        }
        output += "{\"broadcasterUserId\":"
        optional(broadcasterUserID)
        output += ",\"companyId\":"
        JSONWriter.writeString(companyID, into: &output)
        output += ",\"creatorId\":"
        optional(creatorID)
        output += ",\"data\":"
        JSONWriter.write(data, into: &output)
        output += ",\"id\":"
        output += String(id)
        output += ",\"occurredAt\":"
        JSONWriter.writeString(occurredAt, into: &output)
        output += ",\"platform\":"
        JSONWriter.writeString(platform, into: &output)
        output += ",\"receivedAt\":"
        JSONWriter.writeString(receivedAt, into: &output)
        output += ",\"source\":"
        JSONWriter.writeString(source, into: &output)
        output += ",\"type\":"
        JSONWriter.writeString(type, into: &output)
        output += ",\"version\":"
        JSONWriter.writeString(version, into: &output)
        output += "}"
    }

    /// Reads the shape back (relay, tests).
    public init?(json: JSONValue) {
        guard let id = json["id"]?.int64Value, let company = json["companyId"]?.stringValue,
              let type = json["type"]?.stringValue, let version = json["version"]?.stringValue,
              let source = json["source"]?.stringValue, let occurred = json["occurredAt"]?.stringValue,
              let received = json["receivedAt"]?.stringValue
        else { return nil }
        self.init(
            id: id, companyID: company, creatorID: json["creatorId"]?.stringValue, type: type, version: version,
            source: source, occurredAt: occurred, receivedAt: received,
            broadcasterUserID: json["broadcasterUserId"]?.stringValue, data: json["data"] ?? [:],
            platform: json["platform"]?.stringValue ?? "twitch")
    }
}
