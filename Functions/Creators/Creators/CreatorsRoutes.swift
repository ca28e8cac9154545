import Logging
public import API
import AccessTokens
import FunctionRuntime
import FunctionServer
import JSONValue
import Postgres

/// `creators`: the creators a company tracks, with their live status. Operators and above
/// manage them; adding resolves the Twitch login through Helix. The same Twitch user may be
/// tracked by several companies, each fully isolated; twice in one company is a 409.
public struct CreatorsRoutes: Sendable {
    let database: TenantDatabase
    let twitch: any TwitchUserLookup

    public init(database: TenantDatabase, twitch: any TwitchUserLookup) {
        self.database = database
        self.twitch = twitch
    }

    public var routes: [APIRoute] {
        [
            APIRoute("GET", "/api/creators", minimumRole: .viewer, scope: "creators:read", summary: "List creators with live status", handler: list),
            APIRoute("POST", "/api/creators", minimumRole: .operator, scope: "creators:write", summary: "Track a creator by Twitch login", handler: add),
            APIRoute("GET", "/api/creators/:id", minimumRole: .viewer, scope: "creators:read", summary: "One creator", handler: get),
            APIRoute("PATCH", "/api/creators/:id", minimumRole: .operator, scope: "creators:write", summary: "Update topics or notes", handler: update),
            APIRoute("DELETE", "/api/creators/:id", minimumRole: .operator, scope: "creators:write", summary: "Stop tracking a creator", handler: remove),
        ]
    }

    static let select = """
        SELECT c.id, c.twitch_user_id, c.login, c.display_name, c.topics, c.notes,
               to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_text,
               COALESCE(s.live, false) AS live, s.title, s.category_name, COALESCE(s.viewer_count, 0) AS viewer_count,
               to_char(s.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_at_text,
               s.last_event_id
        FROM creators c LEFT JOIN creator_status s ON s.creator_id = c.id
        """

    static func creator(_ row: QueryResult.Row) -> JSONValue {
        func text(_ name: String) -> JSONValue { row[name].map(JSONValue.string) ?? .null }
        let topics = row["topics"].map(parseTextArray) ?? []
        return [
            "id": text("id"), "twitchUserId": text("twitch_user_id"), "login": text("login"), "displayName": text("display_name"),
            "topics": .array(topics.map(JSONValue.string)), "notes": text("notes"), "createdAt": text("created_at_text"),
            "status": ["live": .bool(row.bool("live") ?? false), "title": text("title"), "category": text("category_name"),
                       "viewerCount": .int(Int64(row["viewer_count"] ?? "0") ?? 0), "startedAt": text("started_at_text"),
                       "lastEventId": row["last_event_id"].flatMap { Int64($0) }.map(JSONValue.int) ?? .null],
        ]
    }

    @Sendable func list(_ request: APIRequest) async throws -> FunctionResponse {
        let rows = try await database.transaction(request.claims) { connection in
            try connection.query(Self.select + " ORDER BY COALESCE(s.live, false) DESC, lower(c.display_name)").rows
        }
        return .json(["data": .array(rows.map(Self.creator))])
    }

    @Sendable func get(_ request: APIRequest) async throws -> FunctionResponse {
        let id = request.parameter("id")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("creator") }
        let row = try await database.transaction(request.claims) { connection in
            try connection.query(Self.select + " WHERE c.id = $1", [id]).first
        }
        guard let row else { throw FunctionError.notFound("creator") }
        return .json(Self.creator(row))
    }

    @Sendable func add(_ request: APIRequest) async throws -> FunctionResponse {
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
            let creator = Self.creator(try connection.query(Self.select + " WHERE c.id = $1", [id]).first!)
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "creator.add", targetType: "creator",
                                targetID: id, before: nil, after: creator)
            return creator
        }
        return .json(creator, status: 201)
    }

    @Sendable func update(_ request: APIRequest) async throws -> FunctionResponse {
        let id = request.parameter("id")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("creator") }
        var validator = FieldValidator(try request.jsonObject())
        let topics = validator.stringArray("topics", maxCount: 20, maxLength: 40)
        let notes = validator.string("notes", required: false, maxLength: 2000)
        try validator.finish(allowed: ["topics", "notes"])
        let actor = request.actor
        let claims = request.claims
        let creator = try await database.transaction(claims) { connection -> JSONValue in
            guard let before = try connection.query(Self.select + " WHERE c.id = $1 FOR UPDATE OF c", [id]).first else {
                throw FunctionError.notFound("creator")
            }
            try connection.query("""
                UPDATE creators SET topics = COALESCE($2::text[], topics), notes = COALESCE($3, notes) WHERE id = $1
                """, [id, topics.map(PostgresArray.literal), notes])
            let after = Self.creator(try connection.query(Self.select + " WHERE c.id = $1", [id]).first!)
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "creator.update", targetType: "creator",
                                targetID: id, before: Self.creator(before), after: after)
            return after
        }
        return .json(creator)
    }

    @Sendable func remove(_ request: APIRequest) async throws -> FunctionResponse {
        let id = request.parameter("id")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("creator") }
        let actor = request.actor
        let claims = request.claims
        try await database.transaction(claims) { connection in
            guard let before = try connection.query(Self.select + " WHERE c.id = $1 FOR UPDATE OF c", [id]).first else {
                throw FunctionError.notFound("creator")
            }
            try connection.query("DELETE FROM creators WHERE id = $1", [id])
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "creator.remove", targetType: "creator",
                                targetID: id, before: Self.creator(before), after: nil)
        }
        return FunctionResponse(status: 204)
    }
}

/// Parses Postgres' text form of a text[] (`{a,"b c"}`).
func parseTextArray(_ text: String) -> [String] {
    guard text.hasPrefix("{"), text.hasSuffix("}"), text.count > 2 else { return [] }
    var items: [String] = []
    var current = ""
    var quoted = false
    var escaped = false
    for character in text.dropFirst().dropLast() {
        if escaped { current.append(character); escaped = false; continue }
        switch character {
        case "\\" where quoted: escaped = true
        case "\"": quoted.toggle()
        case "," where !quoted:
            items.append(current)
            current = ""
        default: current.append(character)
        }
    }
    items.append(current)
    return items
}
