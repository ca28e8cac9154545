import Audit
public import API
import EventSub
import AccessTokens
import FunctionRuntime
import FunctionServer
import Ingest
import JSONValue
import Postgres
import Rooms

/// `events`: the event history (also how a dashboard catches up after a long disconnect) and
/// the audit log. Read-only, so every role may use it.
public struct EventsRoutes: Sendable {
    let database: TenantDatabase
    /// The newest pages (no filter, no cursor) by company and limit: what a dashboard loads.
    let newest: NewestEventsCache

    public init(database: TenantDatabase) {
        self.database = database
        self.newest = NewestEventsCache(byteBudget: 64 << 20)
    }

    public var routes: [APIRoute] {
        [
            APIRoute("GET", "/api/events", minimumRole: .viewer, scope: "events:read",
                     summary: "List events, newest first (or oldest first after a given id)", handler: listEvents),
            APIRoute("GET", "/api/events/:id", minimumRole: .viewer, scope: "events:read", summary: "One event", handler: getEvent),
            APIRoute("GET", "/api/audit-logs", minimumRole: .viewer, scope: "audit:read", summary: "List audit log rows, newest first",
                     handler: listAuditLogs),
        ]
    }

    static let maximumLimit = 500

    /// `creator`, `type` (comma-separated or repeated), `since`/`until` (RFC 3339 on occurred_at),
    /// keyset pagination: `before=<id>` (older than, newest first, the default) or `after=<id>`
    /// (newer than, oldest first: apply in order to catch up), `limit` 1–500 (default 50).
    /// The newest page (no filter, no cursor) is kept per company and limit: a request reads only
    /// the events appended since (usually none or a few), and the whole page again only after a
    /// removal or rewrite (migration 16). Other pages are read whole.
    @Sendable func listEvents(_ request: APIRequest) async throws -> FunctionResponse {
        let query = try EventQuery(request.raw)
        guard query.isNewestPage else {
            return .json(bytes: try await database.read(request.claims) { connection in try Self.page(query, on: connection) })
        }
        let key = request.claims.companyID.lowercased() + "?limit=\(query.limit)"
        let cached = newest.value(key)
        let entry = try await database.read(request.claims) { connection in
            try Self.newest(limit: query.limit, since: cached, on: connection)
        }
        newest.store(entry, bytes: entry.byteCount, key: key)
        return .json(bytes: Self.body(count: min(entry.events.count, query.limit), next: entry.next(limit: query.limit)) { index, body in
            body.append(contentsOf: entry.events[index].bytes)
        })
    }

    /// The company's newest `limit + 1` events: those appended after `cached`'s head added to it
    /// while its history version is unchanged, else read whole. Per company ids commit in id order
    /// (ingest's stream locks), so `id > head` is every event `cached` does not have. The history
    /// version is read in the same statement, so it belongs to the same snapshot as the events.
    static func newest(limit: Int, since cached: NewestEvents?, on connection: PostgresConnection) throws -> NewestEvents {
        let result = try connection.query("""
            SELECT \(EventRows.returning), h.version AS history
            FROM (SELECT COALESCE(max(v.version), 0) AS version FROM event_history_versions v) h
            LEFT JOIN LATERAL (
                SELECT * FROM events WHERE company_id = current_company_id() AND id > $1 ORDER BY id DESC LIMIT \(limit + 1)
            ) e ON true
            """, [cached?.head ?? 0])
        let history = try result.rows.first?.requireInt64("history") ?? 0
        // No event after the head: one row, of the history version alone.
        let read: [(id: Int64, bytes: [UInt8])] = result.rows.first?["id"] == nil ? [] : try EventRows.compactEvents(from: result).map { event in
            var bytes: [UInt8] = []
            event.write(into: &bytes)
            return (id: event.id, bytes: bytes)
        }
        guard let cached else { return NewestEvents(history: history, events: read) }
        guard cached.history == history else { return try newest(limit: limit, since: nil, on: connection) }
        return NewestEvents(history: history, events: Array((read + cached.events).prefix(limit + 1)))
    }

    /// A filtered or cursor page, read whole under the request's tenant scope.
    static func page(_ query: EventQuery, on connection: PostgresConnection) throws -> [UInt8] {
        var conditions = ["company_id = current_company_id()"]
        var parameters: [(any PostgresParameter)?] = []
        func bind(_ value: any PostgresParameter) -> String {
            parameters.append(value)
            return "$\(parameters.count)"
        }
        if let creator = query.creator { conditions.append("creator_id = \(bind(creator))::uuid") }
        if !query.types.isEmpty { conditions.append("subscription_type = ANY(\(bind(PostgresArray.literal(query.types)))::text[])") }
        if let since = query.since { conditions.append("occurred_at >= \(bind(since))::timestamptz") }
        if let until = query.until { conditions.append("occurred_at < \(bind(until))::timestamptz") }
        if let before = query.before { conditions.append("id < \(bind(before))") }
        if let after = query.after { conditions.append("id > \(bind(after))") }
        let order = query.after == nil ? "DESC" : "ASC"
        // The limit is written into the statement (a validated Int, 2...501): with `LIMIT $n`
        // the generic plan is costed for an unknown row count, so Postgres re-planned the
        // prepared statement on every call (a fifth of its CPU per page).
        let sql = "SELECT \(EventRows.returning) FROM events WHERE \(conditions.joined(separator: " AND ")) ORDER BY id \(order) LIMIT \(query.limit + 1)"
        let events = try EventRows.compactEvents(from: connection.query(sql, parameters))
        let page = events.prefix(query.limit)
        var next: JSONValue = .null
        if events.count > query.limit, let last = page.last {
            next = query.after == nil ? ["before": .int(last.id)] : ["after": .int(last.id)]
        } else if let after = query.after {
            // Catching up: the client keeps polling from the newest id it has.
            next = ["after": .int(page.last?.id ?? after)]
        }
        return body(count: page.count, next: next) { index, body in events[index].write(into: &body) }
    }

    /// `{"data":[…],"next":…}`, written straight as bytes (the same bytes as the JSONValue tree,
    /// faster), each event by `event`.
    static func body(count: Int, next: JSONValue, event: (Int, inout [UInt8]) -> Void) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(64 + count * 400)
        body.append(contentsOf: "{\"data\":[".utf8)
        for index in 0..<count {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            event(index, &body)
        }
        body.append(contentsOf: "],\"next\":".utf8)
        JSONWriter.write(next, into: &body)
        body.append(UInt8(ascii: "}"))
        return body
    }

    @Sendable func getEvent(_ request: APIRequest) async throws -> FunctionResponse {
        guard let id = Int64(request.parameter("id")), id > 0 else { throw FunctionError.notFound("event") }
        let event = try await database.read(request.claims) { connection in
            try connection.query("SELECT \(EventRows.returning) FROM events WHERE id = $1", [id]).rows.first.map(EventRows.compactEvent(from:))
        }
        guard let event else { throw FunctionError.notFound("event") }
        return .json(bytes: event.jsonBytes)
    }

    /// Filters: `action`, `target_type`, `target_id`, `actor`; pagination `before=<id>`, `limit`.
    @Sendable func listAuditLogs(_ request: APIRequest) async throws -> FunctionResponse {
        let raw = request.raw
        let limit = try EventQuery.limit(raw.queryParameter("limit"))
        let before = try raw.queryParameter("before").map { text -> Int64 in
            guard let value = Int64(text), value > 0 else { throw FunctionError.validation(["before": "must be a positive event id"]) }
            return value
        }
        let filters: [(String, String?)] = [("action", raw.queryParameter("action")), ("target_type", raw.queryParameter("target_type")),
                                            ("target_id", raw.queryParameter("target_id")), ("actor_user_id", raw.queryParameter("actor"))]
        for (name, value) in zip(["action", "target_type", "target_id", "actor"], filters.map(\.1)) where value.map(containsNUL) == true {
            throw FunctionError.validation([name: "must not contain NUL characters"])
        }
        let rows = try await database.read(request.claims) { connection in
            var conditions = ["company_id = current_company_id()"]
            var parameters: [(any PostgresParameter)?] = []
            for (column, value) in filters {
                guard let value else { continue }
                parameters.append(value)
                conditions.append("\(column) = $\(parameters.count)")
            }
            if let before {
                parameters.append(before)
                conditions.append("id < $\(parameters.count)")
            }
            parameters.append(limit + 1)
            return try connection.query("""
                SELECT id, actor_user_id, actor_role, action, target_type, target_id, before::text AS before_text,
                       after::text AS after_text, request_id, host(ip) AS ip, user_agent,
                       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_text
                FROM audit_logs WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT $\(parameters.count)
                """, parameters).rows
        }
        let page = rows.prefix(limit).map { row -> JSONValue in
            func text(_ name: String) -> JSONValue { row[name].map(JSONValue.string) ?? .null }
            func json(_ name: String) -> JSONValue { row[name].flatMap { try? JSONParser.parse($0) } ?? .null }
            return ["id": .int((try? row.requireInt64("id")) ?? 0), "actorUserId": text("actor_user_id"), "actorRole": text("actor_role"),
                    "action": text("action"), "targetType": text("target_type"), "targetId": text("target_id"),
                    "before": json("before_text"), "after": json("after_text"), "requestId": text("request_id"),
                    "ip": text("ip"), "userAgent": text("user_agent"), "createdAt": text("created_at_text")]
        }
        let next: JSONValue = rows.count > limit ? ["before": page.last?["id"] ?? .null] : .null
        return .json(["data": .array(Array(page)), "next": next])
    }
}

/// Parsed and validated query parameters of `GET /api/events` (422 names each bad one).
struct EventQuery {
    var creator: String?
    var types: [String] = []
    var since: String?
    var until: String?
    var before: Int64?
    var after: Int64?
    var limit = 50

    /// No filter and no cursor: the company's newest events, which only its appends (the head),
    /// removals and rewrites change.
    var isNewestPage: Bool {
        creator == nil && types.isEmpty && since == nil && until == nil && before == nil && after == nil
    }

    /// Every query parameter the route reads; `before` and `after` are the OpenAPI document's
    /// exploded `cursor` object, which admits no other member, so any other name is refused
    /// rather than silently ignored.
    static let parameterNames: Set<String> = ["creator", "type", "since", "until", "before", "after", "limit"]

    init(_ request: FunctionRequest) throws {
        var problems: [String: String] = [:]
        if let unknown = request.queryParameterNames.first(where: { !Self.parameterNames.contains($0) }) {
            problems["query"] = "unknown parameter \"\(unknown)\"; allowed: \(Self.parameterNames.sorted().joined(separator: ", "))"
        }
        if let creator = request.queryParameter("creator") {
            if isUUID(creator) { self.creator = creator } else { problems["creator"] = "must be a creator id" }
        }
        types = request.queryParameters("type").flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
        if types.count > 50 { problems["type"] = "at most 50 types" }
        if types.contains(where: containsNUL) { problems["type"] = "must not contain NUL characters" }
        for (name, value) in [("since", request.queryParameter("since")), ("until", request.queryParameter("until"))] {
            guard let value else { continue }
            if let seconds = RFC3339.unixSeconds(value) {
                // Any RFC 3339 time is valid (the document says date-time), but an offset can put it
                // before year 1 or after 9999, which Postgres cannot parse back; as bounds of a
                // filter those are the same as the first or last representable second.
                let normalized = RFC3339.format(unixSeconds: min(max(seconds, Self.earliestSeconds), Self.latestSeconds))
                if name == "since" { since = normalized } else { until = normalized }
            } else {
                problems[name] = "must be an RFC 3339 timestamp"
            }
        }
        for name in ["before", "after"] {
            guard let text = request.queryParameter(name) else { continue }
            guard let value = Int64(text), value >= 0 else { problems[name] = "must be an event id"; continue }
            if name == "before" { before = value } else { after = value }
        }
        if before != nil && after != nil { problems["after"] = "use either before or after" }
        do { limit = try Self.limit(request.queryParameter("limit")) } catch let error as FunctionError { problems.merge(error.fields) { a, _ in a } }
        if !problems.isEmpty { throw FunctionError.validation(problems) }
    }

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    static let earliestSeconds: Double = -62_135_596_800
    static let latestSeconds: Double = 253_402_300_799

    static func limit(_ text: String?) throws -> Int {
        guard let text else { return 50 }
        guard let value = Int(text), (1...EventsRoutes.maximumLimit).contains(value) else {
            throw FunctionError.validation(["limit": "must be 1 to \(EventsRoutes.maximumLimit)"])
        }
        return value
    }
}

func isUUID(_ text: String) -> Bool { TenantID.isValid(text) }

/// Postgres text holds no NUL; the document's patterns exclude it from every string parameter.
func containsNUL(_ text: String) -> Bool { text.unicodeScalars.contains("\u{0}") }

