public import JSONValue

/// A job as stored in its queue: JSON in the stream entry's `job` field.
public struct Job: Sendable, Equatable {
    public let id: String
    public let queue: String
    public let payload: JSONValue
    /// 1 for the first run; retries after a failure carry the next number.
    public let attempt: Int
    public let enqueuedAt: Double
    public let idempotencyKey: String?

    public init(id: String, queue: String, payload: JSONValue, attempt: Int, enqueuedAt: Double, idempotencyKey: String?) {
        self.id = id
        self.queue = queue
        self.payload = payload
        self.attempt = attempt
        self.enqueuedAt = enqueuedAt
        self.idempotencyKey = idempotencyKey
    }

    public var json: String {
        JSONWriter.string([
            "id": .string(id), "queue": .string(queue), "payload": payload, "attempt": .int(Int64(attempt)),
            "enqueuedAt": .double(enqueuedAt), "idempotencyKey": idempotencyKey.map(JSONValue.string) ?? .null,
        ])
    }

    public init?(json text: String) {
        guard let value = try? JSONParser.parse(text), let id = value["id"]?.stringValue, let queue = value["queue"]?.stringValue,
              let attempt = value["attempt"]?.int64Value
        else { return nil }
        let enqueuedAt: Double
        switch value["enqueuedAt"] {
        case .double(let number): enqueuedAt = number
        case .int(let number): enqueuedAt = Double(number)
        default: enqueuedAt = 0
        }
        self.init(id: id, queue: queue, payload: value["payload"] ?? .null, attempt: Int(attempt), enqueuedAt: enqueuedAt,
                  idempotencyKey: value["idempotencyKey"]?.stringValue)
    }

    func retry(attempt: Int) -> Job {
        Job(id: id, queue: queue, payload: payload, attempt: attempt, enqueuedAt: enqueuedAt, idempotencyKey: idempotencyKey)
    }
}

/// A job handed to a worker: the job plus the stream entry that must be acknowledged.
public struct ClaimedJob: Sendable {
    public let entryID: String
    public let job: Job
    /// Times Redis has handed this entry out (more than 1 after a worker died holding it).
    public let deliveries: Int

    /// The attempt this run counts as: crashes count too, so a job that kills its worker every
    /// time still reaches the dead-letter queue.
    public var effectiveAttempt: Int { job.attempt + max(0, deliveries - 1) }
}
