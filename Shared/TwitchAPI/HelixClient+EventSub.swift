import JSONValue

extension HelixClient {
    /// `GET /eventsub/subscriptions`, every page (oldest first, as Twitch orders them). At most one
    /// filter may be given (Twitch treats them as mutually exclusive). The loop stops with
    /// `.paginationLimitExceeded` after `maximumPages` or on a repeated cursor, so a misbehaving
    /// server cannot keep a job busy forever.
    public func eventSubSubscriptions(
        status: String? = nil, type: String? = nil, userID: String? = nil, maximumPages: Int = 500
    ) async throws(HelixError) -> HelixSubscriptionList {
        var filter: [(String, String)] = []
        if let status { filter.append(("status", status)) }
        if let type { filter.append(("type", type)) }
        if let userID { filter.append(("user_id", userID)) }
        guard filter.count <= 1 else { throw .invalidArgument("status, type and userID are mutually exclusive") }
        var subscriptions: [HelixSubscription] = []
        var cursors: Set<String> = []
        var cursor: String?
        var totals = (total: 0, totalCost: 0, maxTotalCost: 0)
        for _ in 0..<maximumPages {
            var query = filter
            if let cursor { query.append(("after", cursor)) }
            let json = try await send(.get, "/eventsub/subscriptions", query: query).json()
            for item in try Self.dataArray(json) { subscriptions.append(try HelixSubscription(json: item)) }
            totals = (Int(json["total"]?.int64Value ?? 0), Int(json["total_cost"]?.int64Value ?? 0), Int(json["max_total_cost"]?.int64Value ?? 0))
            guard let next = Self.cursor(json) else {
                return HelixSubscriptionList(subscriptions: subscriptions, total: totals.total, totalCost: totals.totalCost,
                                             maxTotalCost: totals.maxTotalCost)
            }
            guard cursors.insert(next).inserted else { throw .paginationLimitExceeded(pages: cursors.count) }
            cursor = next
        }
        throw .paginationLimitExceeded(pages: maximumPages)
    }

    /// `POST /eventsub/subscriptions` with the webhook transport. Twitch answers 202 with the
    /// subscription in `webhook_callback_verification_pending` and then sends the challenge to
    /// `callback`. 409 (same type, version and condition exists) is thrown as `.conflict`.
    /// `secret` (10–100 ASCII characters) signs every delivery; Twitch never returns it, so store it.
    public func createEventSubSubscription(
        type: String, version: String, condition: [String: String], callback: String, secret: String
    ) async throws(HelixError) -> HelixSubscription {
        guard (10...100).contains(secret.utf8.count), secret.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw .invalidArgument("secret must be 10 to 100 printable ASCII characters")
        }
        let body: JSONValue = [
            "type": .string(type), "version": .string(version),
            "condition": .object(condition.mapValues { .string($0) }),
            "transport": ["method": "webhook", "callback": .string(callback), "secret": .string(secret)],
        ]
        let json = try await send(.post, "/eventsub/subscriptions", body: body).json()
        guard let first = try Self.dataArray(json).first else { throw .invalidResponse("create: data is empty") }
        return try HelixSubscription(json: first)
    }

    /// `DELETE /eventsub/subscriptions?id=` (204). A subscription that does not exist is `.notFound`.
    public func deleteEventSubSubscription(id: String) async throws(HelixError) {
        guard !id.isEmpty else { throw .invalidArgument("subscription id is empty") }
        _ = try await send(.delete, "/eventsub/subscriptions", query: [("id", id)])
    }
}
