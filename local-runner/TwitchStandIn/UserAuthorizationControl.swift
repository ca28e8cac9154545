import JSONValue
import Logging

/// What `disconnect` did.
public struct DisconnectOutcome: Sendable {
    /// The subscriptions now `authorization_revoked`.
    public let revokedSubscriptions: [StandInSubscription]
    /// What each subscription's callback answered to its revocation message (nil: no answer), in
    /// the order of `revokedSubscriptions`.
    public let revocationStatuses: [Int?]
    /// The `user.authorization.revoke` notifications sent.
    public let notifications: [TriggeredDelivery]
}

/// The user-authorization part of the control surface (`_stand-in/users/{id}/…`,
/// `_stand-in/oauth/auto-approve`; documented on `TwitchStandInServer`) and the Swift calls behind it.
extension TwitchStandInServer {
    /// The user clicks Disconnect on Twitch: their authorization of the client is gone, every token
    /// of theirs stops working, each live subscription that needs their grant becomes
    /// `authorization_revoked` with a signed revocation to its callback, and every enabled
    /// `user.authorization.revoke` subscription gets a notification (only if the user had
    /// authorized the client: there is nothing to revoke otherwise).
    public func disconnect(userID: String) async throws(StandInInputError) -> DisconnectOutcome {
        guard let (user, hadAuthorized, revoked) = state.disconnect(userID: userID) else {
            throw StandInInputError("unknown user id \(userID)")
        }
        var statuses: [Int?] = []
        for subscription in revoked { statuses.append(await sendRevocation(of: subscription).status) }
        let notifications = hadAuthorized ? await announce("user.authorization.revoke", of: user) : []
        logger.info("user disconnected", metadata: ["user": "\(userID)", "revoked_subscriptions": "\(revoked.count)"])
        return DisconnectOutcome(revokedSubscriptions: revoked, revocationStatuses: statuses, notifications: notifications)
    }

    /// Grants scopes as if the user approved a consent page asking for them (no code, no tokens),
    /// and notifies enabled `user.authorization.grant` subscriptions.
    public func grantAuthorization(userID: String, scopes: [String]) async throws(StandInInputError)
        -> (summary: AuthorizationSummary, notifications: [TriggeredDelivery])
    {
        if let unknown = OAuthScopes.firstUnknown(in: scopes) { throw StandInInputError("invalid scope requested: '\(unknown)'") }
        guard let user = state.grant(userID: userID, scopes: scopes), let summary = state.authorizationSummary(userID: userID) else {
            throw StandInInputError("unknown user id \(userID)")
        }
        let notifications = scopes.isEmpty ? [] : await announceGrant(of: user)
        return (summary, notifications)
    }

    func announceGrant(of user: StandInUser) async -> [TriggeredDelivery] {
        await announce("user.authorization.grant", of: user)
    }

    /// `user.authorization.grant` / `.revoke` to every enabled subscription of the type whose
    /// `client_id` is ours (the only client the stand-in has). Signed and sent like any trigger.
    private func announce(_ type: String, of user: StandInUser) async -> [TriggeredDelivery] {
        let event: JSONValue = ["client_id": .string(configuration.clientID), "user_id": .string(user.id),
                                "user_login": .string(user.login), "user_name": .string(user.displayName)]
        return (try? await trigger(type: type, version: "1", event: event)) ?? []
    }

    /// Answers the user-authorization control endpoints; nil for any other path.
    func userAuthorizationControl(_ request: StandInRequest, segments: [String]) async -> StandInResponse? {
        if segments == ["_stand-in", "oauth", "auto-approve"] { return autoApproveControl(request) }
        guard segments.count == 4, segments[0] == "_stand-in", segments[1] == "users" else { return nil }
        let userID = segments[2], action = segments[3]
        guard ["authorization", "disconnect", "invalidate-tokens", "expire-access-tokens"].contains(action) else { return nil }
        let allowed = action == "authorization" ? ["GET", "POST"] : ["POST"]
        guard allowed.contains(request.method) else { return .helixError(405, "\(request.path) takes " + allowed.joined(separator: " or ")) }
        guard state.user(id: userID) != nil else { return .helixError(404, "user not found") }
        switch (request.method, action) {
        case ("GET", _):
            return summaryResponse(userID: userID)
        case ("POST", "authorization"):
            let body: JSONValue
            switch request.jsonObject() {
            case .success(let value): body = value
            case .failure(let response): return response
            }
            guard let list = body["scopes"]?.arrayValue else { return .helixError(400, "scopes must be an array of scope names") }
            let scopes = list.compactMap(\.stringValue)
            guard scopes.count == list.count else { return .helixError(400, "scopes must be an array of scope names") }
            do {
                let (summary, notifications) = try await grantAuthorization(userID: userID, scopes: scopes)
                var json = Self.summaryJSON(summary)
                json["notifications"] = .array(notifications.map(\.json))
                return .json(200, .object(json))
            } catch {
                return .helixError(400, error.description)
            }
        case ("POST", "disconnect"):
            do {
                let outcome = try await disconnect(userID: userID)
                let revoked: [JSONValue] = zip(outcome.revokedSubscriptions, outcome.revocationStatuses).map { subscription, status in
                    ["id": .string(subscription.id), "type": .string(subscription.type),
                     "revocation_status": status.map { .int(Int64($0)) } ?? .null]
                }
                var json = Self.summaryJSON(state.authorizationSummary(userID: userID))
                json["revokedSubscriptions"] = .array(revoked)
                json["notifications"] = .array(outcome.notifications.map(\.json))
                return .json(200, .object(json))
            } catch {
                return .helixError(400, error.description)
            }
        case ("POST", "invalidate-tokens"):
            _ = state.invalidateTokens(userID: userID)
            return summaryResponse(userID: userID)
        default:
            state.expireAccessTokens(userID: userID)
            return summaryResponse(userID: userID)
        }
    }

    private func summaryResponse(userID: String) -> StandInResponse {
        .json(200, .object(Self.summaryJSON(state.authorizationSummary(userID: userID))))
    }

    static func summaryJSON(_ summary: AuthorizationSummary?) -> [String: JSONValue] {
        guard let summary else { return [:] }
        return ["scopes": .array(summary.scopes.map { .string($0) }), "activeAccessTokens": .int(Int64(summary.activeAccessTokens)),
                "activeRefreshTokens": .int(Int64(summary.activeRefreshTokens)), "revokedTokens": .int(Int64(summary.revokedTokens))]
    }

    /// `POST {"login"|"user_id","decision":"approve"|"deny"}` turns auto-approval on,
    /// `{"decision":null}` or `DELETE` turns it off.
    private func autoApproveControl(_ request: StandInRequest) -> StandInResponse {
        switch request.method {
        case "DELETE":
            state.autoApproval = nil
            return .json(200, ["autoApprove": .null])
        case "POST":
            break
        default:
            return .helixError(405, "\(request.path) takes POST or DELETE")
        }
        let body: JSONValue
        switch request.jsonObject() {
        case .success(let value): body = value
        case .failure(let response): return response
        }
        switch body["decision"] {
        case nil, .null?:
            state.autoApproval = nil
            return .json(200, ["autoApprove": .null])
        case .string("deny")?:
            state.autoApproval = .deny
            return .json(200, ["autoApprove": ["decision": "deny"]])
        case .string("approve")?:
            let user: StandInUser
            if let id = body["user_id"]?.stringValue {
                guard let known = state.user(id: id) else { return .helixError(400, "unknown user_id \(id)") }
                user = known
            } else if let login = body["login"]?.stringValue?.lowercased() {
                if let known = state.user(login: login) {
                    user = known
                } else {
                    guard configuration.createsUnknownLogins, let created = try? state.addUser(login: login) else {
                        return .helixError(400, "unknown login \(login)")
                    }
                    user = created
                }
            } else {
                return .helixError(400, "approve needs login or user_id")
            }
            state.autoApproval = .approve(userID: user.id)
            return .json(200, ["autoApprove": ["decision": "approve", "user_id": .string(user.id), "login": .string(user.login)]])
        default:
            return .helixError(400, "decision must be approve, deny or null")
        }
    }
}
