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
    /// `twitch`, `youtube` or `rumble` (`events.platform`).
    public let platform: String
    /// `data` as given, or as written JSON when read from Postgres (pages and room messages copy
    /// it; the few readers of its fields parse it).
    private let payload: Payload

    private enum Payload: Sendable {
        case value(JSONValue)
        case written(CanonicalJSON)
    }

    /// The type-specific payload. Parsed on each access for an event read from Postgres: bind it
    /// once when reading several fields.
    public var data: JSONValue {
        switch payload {
        case .value(let value): value
        case .written(let written): written.value
        }
    }

    /// `data` as `JSONWriter` writes it.
    public var writtenData: CanonicalJSON {
        switch payload {
        case .value(let value): CanonicalJSON(value)
        case .written(let written): written
        }
    }

    public init(
        id: Int64, companyID: String, creatorID: String?, type: String, version: String, source: String,
        occurredAt: String, receivedAt: String, broadcasterUserID: String?, data: JSONValue, platform: String = "twitch"
    ) {
        self.init(id: id, companyID: companyID, creatorID: creatorID, type: type, version: version, source: source, occurredAt: occurredAt,
                  receivedAt: receivedAt, broadcasterUserID: broadcasterUserID, payload: .value(data), platform: platform)
    }

    /// An event whose `data` is already written (`EventRows`: from `data::text`, without a tree).
    public init(
        id: Int64, companyID: String, creatorID: String?, type: String, version: String, source: String,
        occurredAt: String, receivedAt: String, broadcasterUserID: String?, data: CanonicalJSON, platform: String = "twitch"
    ) {
        self.init(id: id, companyID: companyID, creatorID: creatorID, type: type, version: version, source: source, occurredAt: occurredAt,
                  receivedAt: receivedAt, broadcasterUserID: broadcasterUserID, payload: .written(data), platform: platform)
    }

    private init(
        id: Int64, companyID: String, creatorID: String?, type: String, version: String, source: String,
        occurredAt: String, receivedAt: String, broadcasterUserID: String?, payload: Payload, platform: String
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
        self.payload = payload
        self.platform = platform
    }

    /// Equal when every field is and `data` writes the same bytes (what readers receive).
    public static func == (lhs: CompactEvent, rhs: CompactEvent) -> Bool {
        lhs.id == rhs.id && lhs.companyID == rhs.companyID && lhs.creatorID == rhs.creatorID && lhs.type == rhs.type
            && lhs.version == rhs.version && lhs.source == rhs.source && lhs.occurredAt == rhs.occurredAt
            && lhs.receivedAt == rhs.receivedAt && lhs.broadcasterUserID == rhs.broadcasterUserID && lhs.platform == rhs.platform
            && lhs.writtenData == rhs.writtenData
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
    public var jsonText: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// `jsonText` as UTF-8 bytes.
    public var jsonBytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(320)
        write(into: &output)
        return output
    }

    public func write(into output: inout [UInt8]) {
        func optional(_ text: String?) {
            if let text { JSONWriter.writeString(text, into: &output) } else { output.append(contentsOf: "null".utf8) }
        }
        output.append(contentsOf: "{\"broadcasterUserId\":".utf8)
        optional(broadcasterUserID)
        output.append(contentsOf: ",\"companyId\":".utf8)
        JSONWriter.writeString(companyID, into: &output)
        output.append(contentsOf: ",\"creatorId\":".utf8)
        optional(creatorID)
        output.append(contentsOf: ",\"data\":".utf8)
        switch payload {
        case .value(let value): JSONWriter.write(value, into: &output)
        case .written(let written): output.append(contentsOf: written.bytes)
        }
        output.append(contentsOf: ",\"id\":".utf8)
        JSONWriter.write(.int(id), into: &output)
        output.append(contentsOf: ",\"occurredAt\":".utf8)
        JSONWriter.writeString(occurredAt, into: &output)
        output.append(contentsOf: ",\"platform\":".utf8)
        JSONWriter.writeString(platform, into: &output)
        output.append(contentsOf: ",\"receivedAt\":".utf8)
        JSONWriter.writeString(receivedAt, into: &output)
        output.append(contentsOf: ",\"source\":".utf8)
        JSONWriter.writeString(source, into: &output)
        output.append(contentsOf: ",\"type\":".utf8)
        JSONWriter.writeString(type, into: &output)
        output.append(contentsOf: ",\"version\":".utf8)
        JSONWriter.writeString(version, into: &output)
        output.append(UInt8(ascii: "}"))
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
