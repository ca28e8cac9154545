public import JSONValue
public import Redis

/// Asks `notify` to send one notification delivery (a `notification_deliveries` row, migration
/// 11): `{"deliveryId": 123, "companyId": "<uuid>"}`. Producers: ingest (after the events'
/// COMMIT), the API's "send a test", the sweeper, and `notify` itself for a retry at a chosen time.
///
/// The row is the truth (status, attempts, claim); a job only says "look at row N now". So a lost
/// job only delays a delivery (the sweeper finds the row), and a duplicate costs one conditional
/// UPDATE that claims nothing. Hence no idempotency keys here.
public enum NotifyRequest {
    public static let queue = JobQueue(name: "notify")

    /// The stored event types a destination can announce. Ingest looks for destinations only for
    /// these, so follow and chat storms pay nothing for notifications.
    public static let eventTypes: Set<String> = [
        "stream.online", "stream.offline", "channel.raid", "channel.subscribe", "channel.subscription.gift", "channel.cheer",
    ]

    public struct Delivery: Sendable, Hashable {
        public let id: Int64
        public let companyID: String

        public init(id: Int64, companyID: String) {
            self.id = id
            self.companyID = companyID
        }
    }

    public static func payload(_ delivery: Delivery) -> JSONValue {
        ["deliveryId": .int(delivery.id), "companyId": .string(delivery.companyID)]
    }

    /// The delivery a job names, or nil when the payload is not a delivery request. The id may be
    /// a JSON number or a string of digits.
    public static func delivery(in payload: JSONValue) -> Delivery? {
        guard let company = payload["companyId"]?.stringValue, !company.isEmpty else { return nil }
        let id: Int64?
        switch payload["deliveryId"] {
        case .string(let text)?: id = Int64(text)
        case let value?: id = value.int64Value
        case nil: id = nil
        }
        guard let id, id > 0 else { return nil }
        return Delivery(id: id, companyID: company)
    }

    /// The sweeper's payload. The schedule's own `{"scheduledSlot": …}` job is a sweep too.
    public static let sweepPayload: JSONValue = ["sweep": true]

    public static func isSweep(_ payload: JSONValue) -> Bool {
        payload["sweep"]?.boolValue == true || payload["scheduledSlot"] != nil
    }

    /// One job per delivery, in one pipelined round trip.
    public static func enqueue(_ deliveries: [Delivery], on connection: RedisConnection) throws {
        try queue.enqueueMany(deliveries.map(payload), on: connection)
    }

    /// One job that runs no earlier than `afterMilliseconds` from now.
    public static func enqueue(_ delivery: Delivery, afterMilliseconds: Int, on connection: RedisConnection) throws {
        try queue.enqueue(delayed: [(payload(delivery), afterMilliseconds)], on: connection)
    }
}
