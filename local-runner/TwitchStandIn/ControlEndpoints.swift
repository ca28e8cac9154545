public import JSONValue

/// The `/_stand-in/` control surface (documented on `TwitchStandInServer`) and the Swift calls
/// behind it.
extension TwitchStandInServer {
    /// Sets a subscription's status. Leaving `enabled` or pending for any other status sends a
    /// signed `revocation` to the callback (returned as the second value), as Twitch does when it
    /// revokes a subscription.
    public func setSubscriptionStatus(id: String, to status: String) async throws(StandInInputError)
        -> (subscription: StandInSubscription, revocationStatus: Int?)
    {
        guard Self.knownStatuses.contains(status) else { throw StandInInputError("unknown status \(status)") }
        guard let before = state.subscription(id: id) else { throw StandInInputError("subscription \(id) not found") }
        guard let after = state.setStatus(id: id, to: status) else { throw StandInInputError("subscription \(id) not found") }
        guard before.isLive, !after.isLive else { return (after, nil) }
        let outcome = await sendRevocation(of: after)
        return (after, outcome.status)
    }

    /// Sends a notification for `event` like `twitch event trigger`: to every enabled subscription
    /// of `type`/`version` whose condition fits the event, or to `callback` when given (signed with
    /// the first matching subscription's secret, else with `secret` or the configured default).
    /// Returns what was sent.
    public func trigger(type: String, version: String? = nil, event: JSONValue, callback: String? = nil, secret: String? = nil,
                        condition: [String: String]? = nil) async throws(StandInInputError) -> [TriggeredDelivery] {
        guard event.objectValue != nil else { throw StandInInputError("event must be a JSON object") }
        guard let version = version ?? SubscriptionCatalog.defaultVersion(of: type) else {
            throw StandInInputError("unknown type \(type); give a version")
        }
        let matching = state.enabledSubscriptions(type: type, version: version, event: event)
        var targets: [(StandInSubscription, String, Bool)] = matching.map { ($0, $0.callback, true) }
        if let callback {
            guard Self.isHTTPURL(callback) else { throw StandInInputError("callback must be an http(s) URL") }
            if let subscription = matching.first {
                targets = [(subscription, callback, true)]
            } else {
                guard let secret = secret ?? configuration.defaultDeliverySecret, (10...100).contains(secret.utf8.count) else {
                    throw StandInInputError("no enabled subscription matches; give a secret of 10 to 100 characters to sign with")
                }
                // Like the Twitch CLI: a made-up enabled subscription whose condition comes from the event.
                let synthesized = StandInSubscription(
                    id: StandInIdentifiers.uuid(), status: "enabled", type: type, version: version,
                    condition: condition ?? Self.condition(for: type, from: event), callback: callback, secret: secret, cost: 0,
                    createdAt: StandInState.now(), sequence: 0)
                targets = [(synthesized, callback, false)]
            }
        }
        var deliveries: [TriggeredDelivery] = []
        for (subscription, url, isReal) in targets {
            let (messageID, outcome) = await sendNotification(event: event, subscription: subscription, to: url)
            deliveries.append(TriggeredDelivery(subscriptionID: isReal ? subscription.id : nil, callback: url, messageID: messageID,
                                                status: outcome.status, error: outcome.failure))
        }
        return deliveries
    }

    /// The condition fields of `type` that the event carries (broadcaster ids, mostly).
    static func condition(for type: String, from event: JSONValue) -> [String: String] {
        guard let entry = SubscriptionCatalog.entries[type]?.last else { return [:] }
        var condition: [String: String] = [:]
        for key in entry.required.union(entry.exactlyOneOf) {
            if let value = event[key]?.stringValue { condition[key] = value }
        }
        return condition
    }

    func control(_ request: StandInRequest) async -> StandInResponse {
        let segments = request.path.split(separator: "/").map(String.init)
        // These take GET or DELETE too, and some no body.
        if let answer = await userAuthorizationControl(request, segments: segments) { return answer }
        guard request.method == "POST" else { return .helixError(405, "control endpoints take POST") }
        let body: JSONValue
        switch request.jsonObject() {
        case .success(let value): body = value
        case .failure(let response): return response
        }
        do throws(StandInInputError) {
            switch segments {
            case ["_stand-in", "users"]:
                return try addUsers(body)
            case ["_stand-in", "streams"]:
                return try setStream(body)
            case let path where path.count == 4 && path[0] == "_stand-in" && path[1] == "subscriptions" && path[3] == "status":
                guard let status = body["status"]?.stringValue else { throw StandInInputError("status is required") }
                guard state.subscription(id: path[2]) != nil else { return .helixError(404, "subscription not found") }
                let (subscription, revocationStatus) = try await setSubscriptionStatus(id: path[2], to: status)
                return .json(200, ["data": [subscription.json], "revocation_status": revocationStatus.map { .int(Int64($0)) } ?? .null])
            case ["_stand-in", "trigger"]:
                guard let type = body["type"]?.stringValue, !type.isEmpty else { throw StandInInputError("type is required") }
                guard let event = body["event"], event.objectValue != nil else { throw StandInInputError("event must be a JSON object") }
                let callback = body["callback"]?.stringValue
                let condition = body["condition"]?.objectValue.map { $0.compactMapValues(\.stringValue) }
                let deliveries = try await trigger(type: type, version: body["version"]?.stringValue, event: event, callback: callback,
                                                   secret: body["secret"]?.stringValue, condition: condition)
                if deliveries.isEmpty { return .helixError(404, "no enabled \(type) subscription matches the event") }
                return .json(200, ["deliveries": .array(deliveries.map(\.json))])
            default:
                return .helixError(404, "no such control endpoint: \(request.path)")
            }
        } catch {
            return .helixError(400, error.description)
        }
    }

    private func addUsers(_ body: JSONValue) throws(StandInInputError) -> StandInResponse {
        let entries = body["users"]?.arrayValue ?? [body]
        // Checked up front so a bad entry does not leave the ones before it added.
        for entry in entries {
            guard let login = entry["login"]?.stringValue, StandInIdentifiers.isValidLogin(login.lowercased()) else {
                throw StandInInputError("every user needs a login of 1-25 of a-z, 0-9 and _")
            }
        }
        var added: [JSONValue] = []
        for entry in entries {
            guard let login = entry["login"]?.stringValue else { throw StandInInputError("every user needs a login") }
            let user = try state.addUser(
                id: entry["id"]?.stringValue, login: login, displayName: entry["display_name"]?.stringValue,
                broadcasterType: entry["broadcaster_type"]?.stringValue ?? "", hasAuthorizedApp: entry["authorized"]?.boolValue)
            var json = user.json.objectValue ?? [:]
            json["authorized"] = .bool(user.hasAuthorizedApp)
            json["scopes"] = .array(user.grantedScopes.sorted().map { .string($0) })
            added.append(.object(json))
        }
        return .json(200, ["data": .array(added)])
    }

    private func setStream(_ body: JSONValue) throws(StandInInputError) -> StandInResponse {
        let user: StandInUser
        if let id = body["user_id"]?.stringValue {
            guard let known = state.user(id: id) else { throw StandInInputError("unknown user_id \(id)") }
            user = known
        } else if let login = body["user_login"]?.stringValue {
            if let known = state.user(login: login) { user = known } else { user = try state.addUser(login: login) }
        } else {
            throw StandInInputError("user_id or user_login is required")
        }
        guard body["live"]?.boolValue ?? true else {
            state.setOffline(userID: user.id)
            return .json(200, ["data": []])
        }
        let stream = try state.setLive(
            userID: user.id, title: body["title"]?.stringValue ?? "", gameID: body["game_id"]?.stringValue ?? "",
            gameName: body["game_name"]?.stringValue ?? "", viewerCount: Int(body["viewer_count"]?.int64Value ?? 0),
            language: body["language"]?.stringValue ?? "en", tags: (body["tags"]?.arrayValue ?? []).compactMap(\.stringValue))
        return .json(200, ["data": [stream.json(user: user)]])
    }
}
