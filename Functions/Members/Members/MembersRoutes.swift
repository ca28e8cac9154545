import Audit
public import API
import AccessTokens
import FunctionRuntime
import FunctionServer
import JSONValue
import Postgres

/// `members`: who belongs to the company, with which role. Viewers read; admins manage
/// members below their own role; owners manage everyone. The last owner can never be removed or
/// demoted. Every change writes one audit row in the same transaction.
public struct MembersRoutes: Sendable {
    let database: TenantDatabase

    public init(database: TenantDatabase) {
        self.database = database
    }

    public var routes: [APIRoute] {
        [
            APIRoute("GET", "/api/members", minimumRole: .viewer, scope: "members:read", summary: "List members", handler: list),
            APIRoute("POST", "/api/members", minimumRole: .admin, summary: "Add a member by email", handler: add),
            APIRoute("PATCH", "/api/members/:userId", minimumRole: .admin, summary: "Change a member's role", handler: changeRole),
            APIRoute("DELETE", "/api/members/:userId", minimumRole: .admin, summary: "Remove a member", handler: remove),
            APIRoute("DELETE", "/api/members/:userId/sessions", minimumRole: .admin, summary: "End a member's sessions", handler: endSessions),
        ]
    }

    static let select = """
        SELECT u.id, u.email, u.display_name, m.role,
               to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_text
        FROM memberships m JOIN users u ON u.id = m.user_id
        """

    static func member(_ row: QueryResult.Row) -> JSONValue {
        ["userId": .string(row["id"] ?? ""), "email": .string(row["email"] ?? ""),
         "displayName": row["display_name"].map(JSONValue.string) ?? .null, "role": .string(row["role"] ?? ""),
         "createdAt": .string(row["created_at_text"] ?? "")]
    }

    @Sendable func list(_ request: APIRequest) async throws -> FunctionResponse {
        let rows = try await database.transaction(request.claims) { connection in
            try connection.query(Self.select + " ORDER BY m.created_at, u.email").rows
        }
        return .json(["data": .array(rows.map(Self.member))])
    }

    /// An admin may grant and manage only roles below its own; an owner may do anything.
    static func mayManage(_ actor: Role, _ target: Role) -> Bool {
        actor == .owner || target < actor
    }

    @Sendable func add(_ request: APIRequest) async throws -> FunctionResponse {
        var validator = FieldValidator(try request.jsonObject())
        let email = validator.string("email", required: true, maxLength: 254) { text in
            // Exactly the document's pattern ^[^@ ]+@[^@ ]+\.[^@ ]+$, over code points.
            let scalars = Array(text.unicodeScalars)
            let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1].dropFirst().dropLast().contains(".") && !scalars.contains(" ")
                ? nil : "must be an email address"
        }
        let role = validator.string("role", required: true) { Role(rawValue: $0) == nil ? "must be owner, admin, operator or viewer" : nil }
        try validator.finish(allowed: ["email", "role"])
        let newRole = Role(rawValue: role!)!
        guard Self.mayManage(request.claims.role, newRole) else { throw FunctionError.forbidden("you can only grant roles below your own") }
        let actor = request.actor
        let claims = request.claims
        let member = try await database.transaction(claims) { connection -> JSONValue in
            let userID = try connection.query("SELECT ensure_user($1) AS id", [email!]).first!.require("id")
            do {
                try connection.query("INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, $3)", [claims.companyID, userID, newRole.rawValue])
            } catch let error as PostgresError where error.isUniqueViolation {
                throw FunctionError.conflict("\(email!) is already a member")
            }
            let member = Self.member(try connection.query(Self.select + " WHERE u.id = $1", [userID]).first!)
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "member.add", targetType: "member",
                                targetID: userID, before: nil, after: member)
            return member
        }
        return .json(member, status: 201)
    }

    @Sendable func changeRole(_ request: APIRequest) async throws -> FunctionResponse {
        let userID = request.parameter("userId")
        guard TenantID.isValid(userID) else { throw FunctionError.notFound("member") }
        var validator = FieldValidator(try request.jsonObject())
        let role = validator.string("role", required: true) { Role(rawValue: $0) == nil ? "must be owner, admin, operator or viewer" : nil }
        try validator.finish(allowed: ["role"])
        let newRole = Role(rawValue: role!)!
        let actor = request.actor
        let claims = request.claims
        let member = try await database.transaction(claims) { connection -> JSONValue in
            guard let row = try connection.query(Self.select + " WHERE u.id = $1 FOR UPDATE OF m", [userID]).first else {
                throw FunctionError.notFound("member")
            }
            let current = Role(rawValue: row["role"] ?? "") ?? .viewer
            guard Self.mayManage(claims.role, current), Self.mayManage(claims.role, newRole) else {
                throw FunctionError.forbidden("you can only manage members and roles below your own")
            }
            if current == .owner && newRole != .owner { try Self.requireAnotherOwner(connection, besides: userID) }
            try connection.query("UPDATE memberships SET role = $2 WHERE user_id = $1", [userID, newRole.rawValue])
            let after = Self.member(try connection.query(Self.select + " WHERE u.id = $1", [userID]).first!)
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "member.role_change",
                                targetType: "member", targetID: userID, before: Self.member(row), after: after)
            return after
        }
        return .json(member)
    }

    @Sendable func remove(_ request: APIRequest) async throws -> FunctionResponse {
        let userID = request.parameter("userId")
        guard TenantID.isValid(userID) else { throw FunctionError.notFound("member") }
        let actor = request.actor
        let claims = request.claims
        try await database.transaction(claims) { connection in
            guard let row = try connection.query(Self.select + " WHERE u.id = $1 FOR UPDATE OF m", [userID]).first else {
                throw FunctionError.notFound("member")
            }
            let current = Role(rawValue: row["role"] ?? "") ?? .viewer
            guard Self.mayManage(claims.role, current) else { throw FunctionError.forbidden("you can only remove members below your own role") }
            if current == .owner { try Self.requireAnotherOwner(connection, besides: userID) }
            try connection.query("DELETE FROM memberships WHERE user_id = $1", [userID])
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "member.remove", targetType: "member",
                                targetID: userID, before: Self.member(row), after: nil)
        }
        return FunctionResponse(status: 204)
    }

    /// Ends the member's signed-in sessions that act for this company (`company_sessions_revoke`,
    /// migration 7): their refresh tokens stop working at once, their access tokens and open
    /// sockets within the access check's few seconds. Admins end sessions of roles below their own.
    @Sendable func endSessions(_ request: APIRequest) async throws -> FunctionResponse {
        let userID = request.parameter("userId")
        guard TenantID.isValid(userID) else { throw FunctionError.notFound("member") }
        let actor = request.actor
        let claims = request.claims
        let revoked = try await database.transaction(claims) { connection -> Int64 in
            guard let row = try connection.query(Self.select + " WHERE u.id = $1", [userID]).first else { throw FunctionError.notFound("member") }
            let current = Role(rawValue: row["role"] ?? "") ?? .viewer
            guard userID == claims.subject || Self.mayManage(claims.role, current) else {
                throw FunctionError.forbidden("you can only end sessions of members below your own role")
            }
            let count = try connection.query("SELECT company_sessions_revoke($1::uuid, 'ended_by_admin') AS n", [userID]).first!.requireInt64("n")
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "member.sessions_revoke",
                                targetType: "member", targetID: userID, before: nil, after: ["sessionsEnded": .int(count)])
            return count
        }
        return .json(["revoked": .int(revoked)])
    }

    /// Locks the company's owner rows so two concurrent demotions cannot remove the last owner.
    static func requireAnotherOwner(_ connection: PostgresConnection, besides userID: String) throws {
        let owners = try connection.query("SELECT user_id FROM memberships WHERE role = 'owner' FOR UPDATE").rows.compactMap { $0["user_id"] }
        guard owners.contains(where: { $0 != userID }) else { throw FunctionError.conflict("the last owner cannot be removed or demoted") }
    }
}
