import Audit
import Logging
public import API
import AccessTokens
import CreatorLinks
import EventSub
import FunctionRuntime
import FunctionServer
import JSONValue
import JobQueue
import Postgres
public import Redis

/// `creators`: the creators a company tracks, with their live status, their channels (Twitch,
/// YouTube, Rumble) and Twitch link. Operators and above manage them; adding resolves the Twitch
/// login through Helix, or any platform's channel (`ChannelResolution`). The same channel may be
/// tracked by several companies, each fully isolated; twice in one company is a 409. Owners and
/// admins hand out links (`POST /api/creators/{id}/link`) and unlink; every change that alters
/// what should be subscribed asks `subscription-renewal` to reconcile that creator now.
public struct CreatorsRoutes: Sendable {
    let database: TenantDatabase
    let twitch: any TwitchUserLookup
    /// nil when linking is not configured (no `TWITCH_REDIRECT_URL`): link routes answer 503.
    let linking: CreatorLinking?
    /// Where renewal requests go (nil: only the scheduled full run reconciles).
    let redis: RedisClient?
    /// YouTube and Rumble channels are resolved (and Rumble URLs sealed) with these.
    let platforms: ChannelPlatforms
    /// Each company's list as last built, valid while its creator list version is unchanged.
    let lists: VersionedPageCache

    public init(database: TenantDatabase, twitch: any TwitchUserLookup, linking: CreatorLinking? = nil, redis: RedisClient? = nil,
                platforms: ChannelPlatforms = ChannelPlatforms(), lists: VersionedPageCache = VersionedPageCache()) {
        self.database = database
        self.lists = lists
        self.twitch = twitch
        self.linking = linking
        self.redis = redis
        self.platforms = platforms
    }

    public var routes: [APIRoute] {
        [
            APIRoute("GET", "/api/creators", minimumRole: .viewer, scope: "creators:read", summary: "List creators with live status", handler: list),
            APIRoute("GET", "/api/platforms", minimumRole: .viewer, scope: "creators:read", summary: "What the platform budgets leave today",
                     handler: platformsStatus),
            APIRoute("POST", "/api/creators", minimumRole: .operator, scope: "creators:write",
                     summary: "Track a creator by Twitch login, or by a channel on any platform", handler: add),
            APIRoute("GET", "/api/creators/:id", minimumRole: .viewer, scope: "creators:read", summary: "One creator", handler: get),
            APIRoute("PATCH", "/api/creators/:id", minimumRole: .operator, scope: "creators:write", summary: "Update topics or notes", handler: update),
            APIRoute("DELETE", "/api/creators/:id", minimumRole: .operator, scope: "creators:write", summary: "Stop tracking a creator", handler: remove),
            APIRoute("POST", "/api/creators/:id/channels", minimumRole: .operator, scope: "creators:write",
                     summary: "Add a YouTube, Rumble or Twitch channel to a creator", handler: addChannel),
            APIRoute("DELETE", "/api/creators/:id/channels/:channelRowId", minimumRole: .operator, scope: "creators:write",
                     summary: "Remove a YouTube or Rumble channel from a creator", handler: removeChannel),
            APIRoute("POST", "/api/creators/:id/link", minimumRole: .admin, scope: nil,
                     summary: "A link for the creator to authorize the enabled event types on Twitch (15 minutes, single use)", handler: requestLink),
            APIRoute("DELETE", "/api/creators/:id/link", minimumRole: .admin, scope: nil,
                     summary: "Unlink the creator's Twitch account (revokes the token at Twitch)", handler: unlink),
        ]
    }

    static let select = """
        SELECT c.id, c.twitch_user_id, c.login, c.display_name, c.topics, c.notes,
               to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_text,
               COALESCE(s.live, false) AS live, s.title, s.category_name, COALESCE(s.viewer_count, 0) AS viewer_count,
               to_char(s.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_at_text,
               s.last_event_id, c.twitch_event_types, l.status AS link_status, l.scopes AS link_scopes,
               l.authorized_types AS link_types, l.problem AS link_problem,
               to_char(l.linked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS linked_at_text
        FROM creators c LEFT JOIN creator_status s ON s.creator_id = c.id LEFT JOIN creator_links l ON l.creator_id = c.id
        """

    /// A creator as the API shows it. `twitchUserId` and `login` are null for a creator without a
    /// Twitch channel; `status` is the Twitch channel's live status, `channels` every platform's.
    static func creator(_ row: QueryResult.Row, channels: [JSONValue]) -> JSONValue {
        func text(_ name: String) -> JSONValue { row[name].map(JSONValue.string) ?? .null }
        let topics = row["topics"].map(PostgresArray.parse) ?? []
        return [
            "id": text("id"), "twitchUserId": text("twitch_user_id"), "login": text("login"), "displayName": text("display_name"),
            "topics": .array(topics.map(JSONValue.string)), "notes": text("notes"), "createdAt": text("created_at_text"),
            "status": ["live": .bool(row.bool("live") ?? false), "title": text("title"), "category": text("category_name"),
                       "viewerCount": .int(Int64(row["viewer_count"] ?? "0") ?? 0), "startedAt": text("started_at_text"),
                       "lastEventId": row["last_event_id"].flatMap { Int64($0) }.map(JSONValue.int) ?? .null],
            "twitch": twitchLink(row), "channels": .array(channels),
        ]
    }

    /// One creator of the tenant with its channels (`lock`: the creator row FOR UPDATE), nil when
    /// there is none.
    func loadCreator(_ id: String, lock: Bool = false, on connection: PostgresConnection) throws -> (row: QueryResult.Row, json: JSONValue)? {
        guard let row = try connection.query(Self.select + " WHERE c.id = $1" + (lock ? " FOR UPDATE OF c" : ""), [id]).first else { return nil }
        let channels = try CreatorChannelRows.load(creatorID: id, keys: platforms.keys, on: connection)[id] ?? []
        return (row, Self.creator(row, channels: channels))
    }

    /// The link as the dashboard shows it: `status` unlinked | linked | needs_relink | revoked, the
    /// enabled types, the granted scopes, what the enabled types need beyond them (`missingScopes`:
    /// a relink is needed to cover them), and `needsRelink` when the creator must act.
    static func twitchLink(_ row: QueryResult.Row) -> JSONValue {
        let enabled = row["twitch_event_types"].map(PostgresArray.parse) ?? []
        let status = row["link_status"] ?? "unlinked"
        let granted = row["link_scopes"].map(PostgresArray.parse) ?? []
        let missing = status == "linked" ? EventSubCatalog.scopes(for: enabled).filter { !granted.contains($0) } : []
        return [
            "status": .string(status), "eventTypes": .array(enabled.map(JSONValue.string)),
            "scopes": .array(granted.map(JSONValue.string)), "missingScopes": .array(missing.map(JSONValue.string)),
            "authorizedTypes": .array((row["link_types"].map(PostgresArray.parse) ?? []).map(JSONValue.string)),
            "linkedAt": row["linked_at_text"].map(JSONValue.string) ?? .null, "problem": row["link_problem"].map(JSONValue.string) ?? .null,
            "needsRelink": .bool(status == "needs_relink" || status == "revoked" || !missing.isEmpty),
        ]
    }

    /// Live first (on any platform), then by name. Rebuilt only when the list changed since the
    /// cached page was built (migration 15): a dashboard's view of its creators changes a few
    /// times an hour, and is asked for on every load.
    @Sendable func list(_ request: APIRequest) async throws -> FunctionResponse {
        let keys = platforms.keys
        let page = try await database.readVersioned(request.claims, cache: lists) { connection in
            let rows = try connection.query(Self.select + """
                 ORDER BY (COALESCE(s.live, false) OR EXISTS (SELECT 1 FROM creator_channels lc WHERE lc.creator_id = c.id AND lc.live)) DESC,
                          lower(c.display_name), c.id
                """).rows
            let channels = try CreatorChannelRows.load(creatorID: nil, keys: keys, on: connection)
            return JSONWriter.bytes(["data": .array(rows.map { Self.creator($0, channels: $0["id"].flatMap { channels[$0] } ?? []) })])
        }
        return .json(bytes: page)
    }

    @Sendable func get(_ request: APIRequest) async throws -> FunctionResponse {
        let id = request.parameter("id")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("creator") }
        let creator = try await database.read(request.claims) { connection in try loadCreator(id, on: connection)?.json }
        guard let creator else { throw FunctionError.notFound("creator") }
        return .json(creator)
    }

    /// `{"login"}` (Twitch, as always) or `{"displayName", "channel", "apiUrl"?}` (any platform).
    @Sendable func add(_ request: APIRequest) async throws -> FunctionResponse {
        if let body = try? request.jsonObject(), body["channel"] != nil, body["login"] == nil {
            return try await addWithChannel(request, body: body)
        }
        var validator = FieldValidator(try request.jsonObject())
        let login = validator.string("login", required: true, maxLength: 25) { text in
            text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || $0 == 95 } && !text.isEmpty
                ? nil : "must be a Twitch login (letters, digits, underscore)"
        }
        let topics = validator.stringArray("topics", maxCount: 20, maxLength: 40)
        let notes = validator.string("notes", required: false, maxLength: 2000)
        try validator.finish(allowed: ["login", "topics", "notes"])
        let account: TwitchUserRecord?
        do {
            account = try await twitch.user(login: login!.lowercased())
        } catch {
            request.context.logger.error("twitch lookup failed", metadata: ["error": "\(error)"])
            throw FunctionError(status: 502, code: "twitch_unavailable", message: "could not look the login up on Twitch; retry later")
        }
        guard let account else { throw FunctionError.validation(["login": "no Twitch user has this login"]) }
        let actor = request.actor
        let claims = request.claims
        let creator = try await database.transaction(claims) { connection -> JSONValue in
            let id: String
            do {
                id = try connection.query("""
                    INSERT INTO creators (company_id, twitch_user_id, login, display_name, topics, notes)
                    VALUES ($1, $2, $3, $4, $5::text[], $6) RETURNING id
                    """, [claims.companyID, account.id, account.login, account.displayName,
                          PostgresArray.literal(topics ?? []), notes ?? ""]).first!.require("id")
            } catch let error as PostgresError where error.isUniqueViolation {
                throw FunctionError.conflict("this company already tracks \(account.login)")
            }
            let creator = try loadCreator(id, on: connection)!.json
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "creator.add", targetType: "creator",
                                targetID: id, before: nil, after: Self.withoutHints(creator))
            return creator
        }
        await requestRenewal([account.id], request)
        return .json(creator, status: 201)
    }

    @Sendable func update(_ request: APIRequest) async throws -> FunctionResponse {
        let id = request.parameter("id")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("creator") }
        var validator = FieldValidator(try request.jsonObject())
        let topics = validator.stringArray("topics", maxCount: 20, maxLength: 40)
        let notes = validator.string("notes", required: false, maxLength: 2000)
        let eventTypes = validator.stringArray("eventTypes", maxCount: EventSubCatalog.authorizationTypes.count, maxLength: 64)
        if let eventTypes, let unknown = EventSubCatalog.unknownTypes(eventTypes).first {
            validator.reject("eventTypes", "\(unknown) is not an event type that needs the creator's authorization; one of: "
                           + EventSubCatalog.authorizationTypes.map(\.name).joined(separator: ", "))
        }
        try validator.finish(allowed: ["topics", "notes", "eventTypes"])
        let actor = request.actor
        let claims = request.claims
        let (creator, twitchUserID, typesChanged) = try await database.transaction(claims) { connection -> (JSONValue, String?, Bool) in
            guard let (before, beforeJSON) = try loadCreator(id, lock: true, on: connection) else {
                throw FunctionError.notFound("creator")
            }
            let enabled = eventTypes.map { types in EventSubCatalog.authorizationTypes.map(\.name).filter { types.contains($0) } }
            try connection.query("""
                UPDATE creators SET topics = COALESCE($2::text[], topics), notes = COALESCE($3, notes),
                       twitch_event_types = COALESCE($4::text[], twitch_event_types) WHERE id = $1
                """, [id, topics.map(PostgresArray.literal), notes, enabled.map(PostgresArray.literal)])
            var typesChanged = false
            if let enabled, enabled != (before["twitch_event_types"].map(PostgresArray.parse) ?? []) {
                typesChanged = true
                // What the link delivers follows the enabled types at once, within what was granted;
                // types beyond the granted scopes show as missingScopes until the creator relinks.
                let granted = before["link_scopes"].map(PostgresArray.parse) ?? []
                try connection.query("UPDATE creator_links SET authorized_types = $2::text[], updated_at = now() WHERE creator_id = $1",
                                     [id, PostgresArray.literal(EventSubCatalog.coveredTypes(enabled: enabled, granted: granted))])
            }
            let after = try loadCreator(id, on: connection)!.json
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "creator.update", targetType: "creator",
                                targetID: id, before: Self.withoutHints(beforeJSON), after: Self.withoutHints(after))
            return (after, before["twitch_user_id"], typesChanged)
        }
        if typesChanged, let twitchUserID { await requestRenewal([twitchUserID], request) }
        return .json(creator)
    }

    @Sendable func remove(_ request: APIRequest) async throws -> FunctionResponse {
        let id = request.parameter("id")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("creator") }
        let actor = request.actor
        let claims = request.claims
        // A linked creator's token is revoked at Twitch first (outside the transaction: a network call).
        if let linking, let link = try await database.transaction(claims, { try CreatorLink.load(creatorID: id, on: $0) }),
           link.status == .linked {
            _ = await linking.revokeAtTwitch(link)
        }
        let twitchUserID = try await database.transaction(claims) { connection -> String? in
            guard let (before, beforeJSON) = try loadCreator(id, lock: true, on: connection) else {
                throw FunctionError.notFound("creator")
            }
            try connection.query("DELETE FROM creators WHERE id = $1", [id])
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "creator.remove", targetType: "creator",
                                targetID: id, before: Self.withoutHints(beforeJSON), after: nil)
            return before["twitch_user_id"]
        }
        if let twitchUserID { await requestRenewal([twitchUserID], request) }
        return FunctionResponse(status: 204)
    }

    /// `POST /api/creators/{id}/link`: a single-use link (15 minutes) that shows the creator which
    /// agency asks for which scopes and sends them to Twitch's consent screen. The scopes are those
    /// the creator's enabled event types need. The state is in the URL only: shown once, stored hashed.
    @Sendable func requestLink(_ request: APIRequest) async throws -> FunctionResponse {
        guard let linking else { throw FunctionError(status: 503, code: "linking_not_configured", message: "creator linking is not configured (TWITCH_REDIRECT_URL)") }
        let id = request.parameter("id")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("creator") }
        if !request.raw.body.isEmpty {
            let validator = FieldValidator(try request.jsonObject())
            try validator.finish(allowed: [])
        }
        let actor = request.actor
        let claims = request.claims
        let created = try await database.transaction(claims) { connection -> JSONValue in
            guard let row = try connection.query(Self.select + " WHERE c.id = $1", [id]).first else { throw FunctionError.notFound("creator") }
            guard row["twitch_user_id"] != nil else { throw Self.noTwitchChannel }
            let enabled = row["twitch_event_types"].map(PostgresArray.parse) ?? []
            let scopes = EventSubCatalog.scopes(for: enabled)
            // The creator's state, not this request, is the problem: a conflict (409), as with any
            // request the resource's current state refuses.
            guard !scopes.isEmpty else {
                throw FunctionError.conflict("no event type that needs the creator's authorization is enabled; enable one first (PATCH eventTypes)")
            }
            let (state, expiresAt) = try LinkRequest.create(companyID: claims.companyID, creatorID: id, eventTypes: enabled, scopes: scopes,
                                                            requestedBy: claims.subject, on: connection)
            let summary: JSONValue = ["eventTypes": .array(enabled.map(JSONValue.string)), "scopes": .array(scopes.map(JSONValue.string)),
                                      "expiresAt": .string(expiresAt)]
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "creator.link_requested",
                                targetType: "creator", targetID: id, before: nil, after: summary)
            guard case .object(var body) = summary else { return summary }
            body["url"] = .string(linking.linkBaseURL + state)
            return .object(body)
        }
        return .json(created, status: 201)
    }

    /// `DELETE /api/creators/{id}/link`: revokes the token at Twitch (best effort), forgets the
    /// tokens, and the authorization-only subscriptions go with the renewal it requests.
    @Sendable func unlink(_ request: APIRequest) async throws -> FunctionResponse {
        guard let linking else { throw FunctionError(status: 503, code: "linking_not_configured", message: "creator linking is not configured (TWITCH_REDIRECT_URL)") }
        let id = request.parameter("id")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("creator") }
        let claims = request.claims, actor = request.actor
        guard let link = try await database.transaction(claims, { try CreatorLink.load(creatorID: id, on: $0) }) else {
            throw FunctionError.notFound("link")
        }
        let revoked = link.status == .linked ? await linking.revokeAtTwitch(link) : true
        try await database.transaction(claims) { connection in
            try connection.query("DELETE FROM creator_links WHERE creator_id = $1", [id])
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "creator.unlink", targetType: "creator",
                                targetID: id, before: ["status": .string(link.status.rawValue), "scopes": .array(link.scopes.map(JSONValue.string))],
                                after: ["revokedAtTwitch": .bool(revoked)])
        }
        await requestRenewal([link.twitchUserID], request)
        return .json(["status": "unlinked", "revokedAtTwitch": .bool(revoked)])
    }

    /// Linking authorizes on Twitch: a creator without a Twitch channel has nothing to link.
    static let noTwitchChannel = FunctionError(status: 409, code: "no_twitch_channel",
                                               message: "this creator has no Twitch channel to link; add one first (POST /api/creators/{id}/channels)")

    func requestRenewal(_ twitchUserIDs: [String], _ request: APIRequest) async {
        guard let redis else { return }
        await RenewalRequest.enqueue(twitchUserIDs: twitchUserIDs, redis: redis, logger: request.context.logger)
    }
}
