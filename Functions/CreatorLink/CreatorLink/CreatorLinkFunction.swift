import Audit
import API
public import CreatorLinks
import EventSub
public import FunctionRuntime
public import FunctionServer
import JSONValue
import JobQueue
import Logging
public import Postgres
public import Redis
public import TwitchAPI

/// `creator-link`: the pages a creator opens from an agency's link, and Twitch's OAuth callback.
///
/// - `GET /creator-link/{state}`: which agency asks for which events (and scopes), with a button to
///   Twitch's consent screen (`force_verify`, so the creator sees it and picks the account). The
///   request is only read here: link previews (chat apps unfurling the URL) cannot use it up.
/// - `GET /creator-link/callback` (`TWITCH_REDIRECT_URL`): takes the state once (single use,
///   15 minutes, bound to the company and creator that asked), exchanges the code, checks with
///   `/oauth2/validate` that the token is for this creator's Twitch user id and our client id,
///   stores both tokens sealed, writes the audit row, and asks `subscription-renewal` to create
///   the authorization-only subscriptions now. Every refusal shows the creator a page, stores
///   nothing, and (when the state names an agency) writes an audit row with the reason.
public struct CreatorLinkFunction: HTTPFunction {
    let pool: PostgresPool
    let tokens: CreatorTokens
    let authorization: TwitchUserAuthorization
    let redirectURI: String
    let redis: RedisClient?

    public init(pool: PostgresPool, tokens: CreatorTokens, authorization: TwitchUserAuthorization, redirectURI: String, redis: RedisClient?) {
        self.pool = pool
        self.tokens = tokens
        self.authorization = authorization
        self.redirectURI = redirectURI
        self.redis = redis
    }

    public var maxBodyBytes: Int { 0 }

    public func handle(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            throw FunctionError.methodNotAllowed("use GET")
        }
        let path = request.path
        if path == "/creator-link/callback" { return await callback(request, context: context) }
        let prefix = "/creator-link/"
        guard path.hasPrefix(prefix), !path.dropFirst(prefix.count).contains("/") else { throw FunctionError.notFound("page") }
        return try await consent(state: String(path.dropFirst(prefix.count)))
    }

    private func consent(state: String) async throws -> FunctionResponse {
        let found = try await pool.withConnection { try LinkRequest.peek(state: state, on: $0) }
        switch found.outcome {
        case .unknown: return .page(LinkFailure.unknown.page(expectedLogin: nil), status: 404)
        case .used: return .page(LinkFailure.used.page(expectedLogin: nil), status: 410)
        case .expired: return .page(LinkFailure.expired.page(expectedLogin: nil), status: 410)
        case .open:
            guard found.twitchUserID != nil else { return .page(LinkFailure.noTwitchChannel.page(expectedLogin: nil), status: 409) }
            let url = authorization.authorizationURL(scopes: found.scopes, state: state, redirectURI: redirectURI, forceVerify: true)
            return .page(LinkPages.consent(agency: found.companyName ?? "", creatorLogin: found.creatorLogin ?? "",
                                           creatorName: found.creatorDisplayName ?? "", eventTypes: found.eventTypes, scopes: found.scopes,
                                           expiresAt: found.expiresAt ?? "", authorizeURL: url))
        }
    }

    private func callback(_ request: FunctionRequest, context: FunctionContext) async -> FunctionResponse {
        let state = request.queryParameter("state") ?? ""
        // Take the state first, whatever Twitch says: a link is spent by its first callback.
        let taken: LinkRequest
        do {
            taken = try await pool.transaction { try LinkRequest.take(state: state, on: $0) }
        } catch {
            context.logger.error("cannot read the link request", metadata: ["error": "\(error)"])
            return .page(LinkFailure.twitchUnavailable.page(expectedLogin: nil), status: 503)
        }
        do {
            let (linked, agency) = try await complete(taken, request: request, context: context)
            return .page(LinkPages.linked(agency: agency, eventTypes: linked))
        } catch let failure as LinkFailure {
            await recordFailure(failure, of: taken, request: request, context: context)
            return .page(failure.page(expectedLogin: taken.creatorLogin), status: failure.status)
        } catch {
            context.logger.error("creator linking failed", metadata: ["error": "\(error)", "creatorId": "\(taken.creatorID ?? "")"])
            await recordFailure(.twitchUnavailable, of: taken, request: request, context: context)
            return .page(LinkFailure.twitchUnavailable.page(expectedLogin: nil), status: 500)
        }
    }

    /// The happy path after the state was taken; throws a `LinkFailure` for each refusal.
    private func complete(_ taken: LinkRequest, request: FunctionRequest, context: FunctionContext) async throws -> (types: [String], agency: String) {
        switch taken.outcome {
        case .unknown: throw LinkFailure.unknown
        case .used: throw LinkFailure.used
        case .expired: throw LinkFailure.expired
        case .open: break
        }
        guard let companyID = taken.companyID, let creatorID = taken.creatorID else { throw LinkFailure.unknown }
        // The creator's Twitch identity is what the token is checked against.
        guard let twitchUserID = taken.twitchUserID else { throw LinkFailure.noTwitchChannel }
        if let error = request.queryParameter("error") {
            throw LinkFailure.declined(error: String(error.prefix(100)), description: String((request.queryParameter("error_description") ?? "").prefix(300)))
        }
        guard let code = request.queryParameter("code"), !code.isEmpty, code.utf8.count <= 512 else { throw LinkFailure.codeRejected }
        let grant: UserTokens
        do {
            grant = try await authorization.exchange(code: code, redirectURI: redirectURI)
        } catch {
            if case .unavailable = error { throw LinkFailure.twitchUnavailable }
            context.logger.notice("twitch refused the authorization code", metadata: ["error": "\(error)"])
            throw LinkFailure.codeRejected
        }
        let validated: ValidatedUserToken
        do {
            validated = try await authorization.validate(accessToken: grant.accessToken)
        } catch {
            if case .unavailable = error { throw LinkFailure.twitchUnavailable }
            throw LinkFailure.codeRejected
        }
        guard validated.userID == twitchUserID, validated.clientID == authorization.configuration.clientID else {
            // Not kept, and not left valid at Twitch either.
            try? await authorization.revoke(token: grant.accessToken)
            throw LinkFailure.wrongAccount(login: validated.login)
        }
        let tokens = self.tokens
        let granted = validated.scopes.isEmpty ? grant.scopes : validated.scopes
        let actor = Self.actor(twitchUserID: twitchUserID, request: request, context: context)
        let agency = taken.companyName ?? ""
        let covered: [String]
        do {
            covered = try await pool.transaction { connection -> [String] in
                try connection.setTenant(companyID)
                guard let row = try connection.query("SELECT twitch_event_types FROM creators WHERE id = $1 AND twitch_user_id = $2 FOR UPDATE",
                                                     [creatorID, twitchUserID]).first
                else { throw LinkFailure.creatorRemoved }
                // What the agency enables now (it may have changed since the link was made),
                // within what the creator granted.
                let covered = EventSubCatalog.coveredTypes(enabled: PostgresArray.parse(row["twitch_event_types"] ?? "{}"), granted: granted)
                try tokens.storeGrant(grant, companyID: companyID, creatorID: creatorID, twitchUserID: twitchUserID,
                                      authorizedTypes: covered, on: connection)
                try AuditLog.record(on: connection, companyID: companyID, actor: actor, action: "creator.link", targetType: "creator",
                                    targetID: creatorID, before: nil, after: [
                                        "twitchUserId": .string(twitchUserID), "login": .string(validated.login),
                                        "scopes": .array(granted.map(JSONValue.string)), "authorizedTypes": .array(covered.map(JSONValue.string)),
                                    ])
                return covered
            }
        } catch let failure as LinkFailure {
            try? await authorization.revoke(token: grant.accessToken)
            throw failure
        }
        if let redis { await RenewalRequest.enqueue(twitchUserIDs: [twitchUserID], redis: redis, logger: context.logger) }
        context.logger.info("creator linked", metadata: ["creatorId": "\(creatorID)", "types": "\(covered)"])
        return (covered, agency)
    }

    /// One audit row in the agency's log for a refused link (when the state named an agency).
    private func recordFailure(_ failure: LinkFailure, of taken: LinkRequest, request: FunctionRequest, context: FunctionContext) async {
        guard let reason = failure.reason, let companyID = taken.companyID, let creatorID = taken.creatorID else { return }
        var detail: [String: JSONValue] = ["reason": .string(reason)]
        switch failure {
        case .declined(let error, let description):
            detail["error"] = .string(error)
            detail["errorDescription"] = .string(description)
        case .wrongAccount(let login): detail["signedInAs"] = .string(login)
        default: break
        }
        let actor = Self.actor(twitchUserID: taken.twitchUserID ?? "", request: request, context: context)
        let after = JSONValue.object(detail)
        do {
            try await pool.transaction { connection in
                try connection.setTenant(companyID)
                try AuditLog.record(on: connection, companyID: companyID, actor: actor, action: "creator.link_failed", targetType: "creator",
                                    targetID: creatorID, before: nil, after: after)
            }
        } catch {
            context.logger.error("cannot record a refused link", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
    }

    /// The creator has no account here: the audit names the Twitch user the link was for.
    static func actor(twitchUserID: String, request: FunctionRequest, context: FunctionContext) -> AuditActor {
        AuditActor(userID: "twitch:\(twitchUserID)", role: "creator", requestID: context.requestID, ip: request.clientIP,
                   userAgent: request.header("user-agent"))
    }
}
