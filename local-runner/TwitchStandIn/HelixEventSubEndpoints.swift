import URLEncoding
import JSONValue

/// `GET`, `POST` and `DELETE /helix/eventsub/subscriptions`.
extension TwitchStandInServer {
    static let knownStatuses: Set<String> = [
        "enabled", "webhook_callback_verification_pending", "webhook_callback_verification_failed", "notification_failures_exceeded",
        "authorization_revoked", "moderator_removed", "user_removed", "chat_user_banned", "version_removed", "beta_maintenance",
    ]

    func listSubscriptions(_ request: StandInRequest) -> StandInResponse {
        let filterNames = ["status", "type", "user_id", "subscription_id"]
        let filters = filterNames.compactMap { name in request.query.first(name).flatMap { $0.isEmpty ? nil : (name, $0) } }
        guard filters.count <= 1 else {
            return .helixError(400, "The parameters status, type, user_id and subscription_id are mutually exclusive")
        }
        var after = 0
        if let cursor = request.query.first("after"), !cursor.isEmpty {
            guard let value = Self.decodeCursor(cursor, prefix: "es"), value >= 0 else { return .helixError(400, "Invalid cursor") }
            after = value
        }
        let include: (StandInSubscription) -> Bool
        switch filters.first {
        case ("status", let status)?: include = { $0.status == status }
        case ("type", let type)?: include = { $0.type == type }
        case ("user_id", let userID)?: include = { $0.condition.contains { key, value in key.hasSuffix("user_id") && value == userID } }
        case ("subscription_id", let id)?: include = { $0.id == id }
        default: include = { _ in true }
        }
        let page = state.subscriptionPage(matching: include, after: after, pageSize: configuration.subscriptionPageSize)
        let pagination: JSONValue = page.nextAfter.map { ["cursor": .string(Self.encodeCursor($0, prefix: "es"))] } ?? [:]
        return .json(200, ["data": .array(page.subscriptions.map(\.json)), "total": .int(Int64(page.total)),
                           "total_cost": .int(Int64(page.totalCost)), "max_total_cost": .int(Int64(configuration.maximumTotalCost)),
                           "pagination": pagination])
    }

    func createSubscription(_ request: StandInRequest) -> StandInResponse {
        // Webhook subscriptions are created with an app access token; the user's grant is looked
        // up by client id (Twitch's message, seen in client bug reports).
        if bearerOwner(request)?.user != nil {
            return .helixError(400, "auth must use app access token to create webhook subscription")
        }
        let body: JSONValue
        switch request.jsonObject() {
        case .success(let value): body = value
        case .failure(let response): return response
        }
        guard let type = body["type"]?.stringValue, !type.isEmpty else { return .helixError(400, "Missing required parameter \"type\"") }
        guard let version = body["version"]?.stringValue, !version.isEmpty else {
            return .helixError(400, "Missing required parameter \"version\"")
        }
        guard let conditionObject = body["condition"]?.objectValue else { return .helixError(400, "Missing required parameter \"condition\"") }
        var condition: [String: String] = [:]
        for (key, value) in conditionObject {
            guard let text = value.stringValue else { return .helixError(400, "condition \(key) must be a string") }
            condition[key] = text
        }
        guard let transport = body["transport"], transport.objectValue != nil else {
            return .helixError(400, "Missing required parameter \"transport\"")
        }
        guard transport["method"]?.stringValue == "webhook" else {
            return .helixError(400, "transport method must be webhook (the stand-in has no websocket or conduit transport)")
        }
        guard let callback = transport["callback"]?.stringValue, Self.isHTTPURL(callback) else {
            return .helixError(400, "transport callback must be an http(s) URL")
        }
        guard let secret = transport["secret"]?.stringValue, (10...100).contains(secret.utf8.count),
              secret.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        else { return .helixError(400, "transport secret must be 10 to 100 ASCII characters") }
        if let problem = SubscriptionCatalog.problem(type: type, version: version, condition: condition, clientID: configuration.clientID) {
            return .helixError(400, problem)
        }
        switch state.createSubscription(type: type, version: version, condition: condition, callback: callback, secret: secret) {
        case .missingAuthorization:
            return .helixError(403, "subscription missing proper authorization")
        case .conflict:
            return .helixError(409, "subscription already exists")
        case .overCostLimit:
            return .helixError(429, "total cost exceeds max_total_cost")
        case .created(let subscription):
            Task { await self.verifyCallback(of: subscription) }
            let totals = state.subscriptionTotals()
            return .json(202, ["data": [subscription.json], "total": .int(Int64(totals.total)), "total_cost": .int(Int64(totals.totalCost)),
                               "max_total_cost": .int(Int64(configuration.maximumTotalCost))])
        }
    }

    func deleteSubscription(_ request: StandInRequest) -> StandInResponse {
        guard let id = request.query.first("id"), !id.isEmpty else { return .helixError(400, "Missing required parameter \"id\"") }
        guard state.deleteSubscription(id: id) else { return .helixError(404, "subscription not found") }
        return .noContent()
    }

    static func isHTTPURL(_ text: String) -> Bool {
        for scheme in ["http://", "https://"] where text.lowercased().hasPrefix(scheme) {
            return text.utf8.count > scheme.utf8.count && !text.contains(" ")
        }
        return false
    }
}
