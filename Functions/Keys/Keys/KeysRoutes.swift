import Audit
public import API
import Access
import AccessTokens
import Base64Encoding
import FunctionRuntime
import FunctionServer
import JSONValue
import Postgres

/// `keys`: the company's service API keys. Admins and owners list, create and revoke them; a
/// key is never reachable with a key. The key itself is in the create response only: the table
/// keeps its prefix and its SHA-256. Keys are revoked, never deleted, so the list and the audit
/// log keep naming them. Every change writes one audit row in the same transaction.
public struct KeysRoutes: Sendable {
    let database: TenantDatabase

    /// Active (unrevoked) keys a company may hold at once.
    public static let maximumActiveKeys = 100
    public static let maximumNameLength = 100
    public static let maximumDays = 3650

    public init(database: TenantDatabase) {
        self.database = database
    }

    public var routes: [APIRoute] {
        [
            APIRoute("GET", "/api/keys", minimumRole: .admin, summary: "List the company's API keys", handler: list),
            APIRoute("POST", "/api/keys", minimumRole: .admin, summary: "Create an API key (shown once)", handler: create),
            APIRoute("DELETE", "/api/keys/:id", minimumRole: .admin, summary: "Revoke an API key", handler: revoke),
        ]
    }

    static let columns = """
        id::text AS id, name, prefix, array_to_json(scopes)::text AS scopes, created_by::text AS created_by,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_text,
        to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS expires_at_text,
        to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_used_at_text,
        to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS revoked_at_text
        """

    /// A key as clients see it: never the secret, never the hash.
    static func key(_ row: QueryResult.Row) -> JSONValue {
        func text(_ name: String) -> JSONValue { row[name].map(JSONValue.string) ?? .null }
        let scopes = (try? JSONParser.parse(row["scopes"] ?? "[]"))?.arrayValue ?? []
        return [
            "id": text("id"), "name": text("name"), "prefix": text("prefix"), "scopes": .array(scopes),
            "createdAt": text("created_at_text"), "createdBy": text("created_by"), "expiresAt": text("expires_at_text"),
            "lastUsedAt": text("last_used_at_text"), "revokedAt": text("revoked_at_text"),
        ]
    }

    @Sendable func list(_ request: APIRequest) async throws -> FunctionResponse {
        let rows = try await database.transaction(request.claims) { connection in
            try connection.query("SELECT \(Self.columns) FROM api_keys ORDER BY created_at DESC, id").rows
        }
        return .json(["data": .array(rows.map(Self.key))])
    }

    /// The body of `POST /api/keys`: `name` (1–100 characters), `scopes` (distinct, known, at least
    /// one), optional `expiresInDays` (1–3650; absent or null: no expiry).
    struct NewKey {
        let name: String
        let scopes: [String]
        let expiresInDays: Int?

        init(_ body: [String: JSONValue]) throws {
            var validator = FieldValidator(body)
            let name = validator.string("name", required: true, maxLength: KeysRoutes.maximumNameLength) { $0.isEmpty ? "must not be empty" : nil }
            var scopes: [String] = []
            if let value = body["scopes"] {
                let items = value.arrayValue?.compactMap(\.stringValue)
                if let items, items.count == value.arrayValue?.count, !items.isEmpty, items.allSatisfy(APIScope.all.contains),
                   Set(items).count == items.count {
                    scopes = items
                } else {
                    validator.reject("scopes", "must be a list of distinct scopes, at least one, of: \(APIScope.all.joined(separator: ", "))")
                }
            } else {
                validator.reject("scopes", "is required")
            }
            var days: Int?
            if let value = body["expiresInDays"], value != .null {
                if let number = value.int64Value, (1...Int64(KeysRoutes.maximumDays)).contains(number) {
                    days = Int(number)
                } else {
                    validator.reject("expiresInDays", "must be a whole number of days from 1 to \(KeysRoutes.maximumDays), or null for no expiry")
                }
            }
            try validator.finish(allowed: ["name", "scopes", "expiresInDays"])
            self.name = name!
            // Stored in the one order APIScope lists them.
            self.scopes = APIScope.all.filter(scopes.contains)
            self.expiresInDays = days
        }
    }

    @Sendable func create(_ request: APIRequest) async throws -> FunctionResponse {
        let input = try NewKey(try request.jsonObject())
        let actor = request.actor
        let claims = request.claims
        // The member who created it (a user id; anything else is no user).
        let creator = TenantID.isValid(claims.subject) ? claims.subject : nil
        // A prefix is 12 random characters of 36: a collision is all but impossible, and is retried.
        for attempt in 1...3 {
            let generated = APIKeyFormat.generate()
            do {
                let stored = try await database.transaction(claims) { connection -> JSONValue in
                    let active = try connection.query("SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL").first!.requireInt64("n")
                    guard active < Self.maximumActiveKeys else {
                        throw FunctionError.conflict("a company holds at most \(Self.maximumActiveKeys) active API keys; revoke one first")
                    }
                    let row = try connection.query("""
                        INSERT INTO api_keys (company_id, name, prefix, secret_hash, scopes, created_by, expires_at)
                        VALUES ($1, $2, $3, decode($4, 'base64'), $5::text[], $6::uuid, now() + make_interval(days => $7::integer))
                        RETURNING \(Self.columns)
                        """, [claims.companyID, input.name, generated.prefix, Base64.encode(generated.hash),
                              "{" + input.scopes.joined(separator: ",") + "}", creator, input.expiresInDays]).first!
                    let key = Self.key(row)
                    try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "api_key.create",
                                        targetType: "api_key", targetID: row["id"], before: nil, after: key)
                    return key
                }
                var body = stored.objectValue ?? [:]
                body["key"] = .string(generated.key)
                var response = FunctionResponse.json(.object(body), status: 201)
                response.headers.append((name: "cache-control", value: "no-store"))
                return response
            } catch let error as PostgresError where error.isUniqueViolation && attempt < 3 {
                continue
            }
        }
        throw FunctionError.internal
    }

    @Sendable func revoke(_ request: APIRequest) async throws -> FunctionResponse {
        let id = request.parameter("id")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("API key") }
        let actor = request.actor
        let claims = request.claims
        try await database.transaction(claims) { connection in
            // Another company's key is invisible here (row-level security): 404 like an unknown one.
            guard let row = try connection.query("""
                UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING \(Self.columns)
                """, [id]).first else {
                throw FunctionError.notFound("active API key")
            }
            let after = Self.key(row)
            var before = after.objectValue ?? [:]
            before["revokedAt"] = .null
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "api_key.revoke", targetType: "api_key",
                                targetID: id, before: .object(before), after: after)
        }
        return FunctionResponse(status: 204)
    }
}
