import RandomBytes
import Audit
public import API
import AccessTokens
import Base64Encoding
import Crypto
import FunctionRuntime
import FunctionServer
import JSONValue
import Postgres

/// `invitations`: owners and admins invite an email with a role (roles below their own, as for
/// members). The link's token is shown once and stored only as its SHA-256; it expires after
/// 7 days, is single use, and can be revoked. It is accepted at sign-in (`/auth/login?invitation=…`)
/// by a user whose identity provider verified the same email. Every change is audited.
public struct InvitationsRoutes: Sendable {
    let database: TenantDatabase

    public init(database: TenantDatabase) {
        self.database = database
    }

    public var routes: [APIRoute] {
        [
            APIRoute("GET", "/api/invitations", minimumRole: .admin, summary: "List invitations", handler: list),
            APIRoute("POST", "/api/invitations", minimumRole: .admin, summary: "Invite an email with a role", handler: create),
            APIRoute("DELETE", "/api/invitations/:id", minimumRole: .admin, summary: "Revoke an invitation", handler: revoke),
        ]
    }

    static let select = """
        SELECT id, email, role, invited_by::text AS invited_by,
               to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
               to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS expires_at,
               to_char(accepted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS accepted_at,
               to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS revoked_at,
               CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN accepted_at IS NOT NULL THEN 'accepted'
                    WHEN expires_at <= now() THEN 'expired' ELSE 'pending' END AS status
        FROM invitations
        """

    static func invitation(_ row: QueryResult.Row) -> JSONValue {
        func text(_ name: String) -> JSONValue { row[name].map(JSONValue.string) ?? .null }
        return ["id": text("id"), "email": text("email"), "role": text("role"), "invitedBy": text("invited_by"), "createdAt": text("created_at"),
                "expiresAt": text("expires_at"), "acceptedAt": text("accepted_at"), "revokedAt": text("revoked_at"), "status": text("status")]
    }

    @Sendable func list(_ request: APIRequest) async throws -> FunctionResponse {
        let rows = try await database.transaction(request.claims) { connection in
            try connection.query(Self.select + " ORDER BY created_at DESC LIMIT 200").rows
        }
        return .json(["data": .array(rows.map(Self.invitation))])
    }

    @Sendable func create(_ request: APIRequest) async throws -> FunctionResponse {
        var validator = FieldValidator(try request.jsonObject())
        let email = validator.string("email", required: true, maxLength: 254) { text in
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(" ") ? nil : "must be an email address"
        }
        let role = validator.string("role", required: true) { Role(rawValue: $0) == nil ? "must be owner, admin, operator or viewer" : nil }
        try validator.finish(allowed: ["email", "role"])
        let newRole = Role(rawValue: role!)!
        guard MembersRoutes.mayManage(request.claims.role, newRole) else { throw FunctionError.forbidden("you can only invite to roles below your own") }
        // 32 random bytes: the link's secret. Only its hash is stored.
        let token = Base64URL.encode(RandomBytes.make(32))
        let hash = Base64.encode(Array(SHA256.hash(data: Array(token.utf8))))
        let actor = request.actor
        let claims = request.claims
        let address = email!.lowercased()
        let created = try await database.transaction(claims) { connection -> JSONValue in
            let member = try connection.query("""
                SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE lower(u.email) = $1
                """, [address])
            guard member.isEmpty else { throw FunctionError.conflict("\(address) is already a member") }
            let inviter = TenantID.isValid(claims.subject) ? claims.subject : nil
            let id = try connection.query("""
                INSERT INTO invitations (company_id, email, role, token_hash, invited_by)
                VALUES ($1, $2, $3, decode($4, 'base64'), $5::uuid) RETURNING id
                """, [claims.companyID, address, newRole.rawValue, hash, inviter]).first!.require("id")
            let invitation = Self.invitation(try connection.query(Self.select + " WHERE id = $1", [id]).first!)
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "invitation.create", targetType: "invitation",
                                targetID: id, before: nil, after: invitation)
            return invitation
        }
        guard case .object(var body) = created else { throw FunctionError.unavailable("invitation not readable") }
        // Shown once: the path of the link to send (prefix the product's public origin).
        body["acceptPath"] = .string("/auth/login?invitation=\(token)")
        return .json(.object(body), status: 201)
    }

    @Sendable func revoke(_ request: APIRequest) async throws -> FunctionResponse {
        let id = request.parameter("id")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("invitation") }
        let actor = request.actor
        let claims = request.claims
        try await database.transaction(claims) { connection in
            guard let row = try connection.query(Self.select + " WHERE id = $1 FOR UPDATE", [id]).first else {
                throw FunctionError.notFound("invitation")
            }
            guard row["status"] == "pending" else { throw FunctionError.conflict("the invitation is \(row["status"] ?? "closed")") }
            guard MembersRoutes.mayManage(claims.role, Role(rawValue: row["role"] ?? "") ?? .owner) else {
                throw FunctionError.forbidden("you can only revoke invitations to roles below your own")
            }
            try connection.query("UPDATE invitations SET revoked_at = now() WHERE id = $1", [id])
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "invitation.revoke", targetType: "invitation",
                                targetID: id, before: Self.invitation(row), after: nil)
        }
        return FunctionResponse(status: 204)
    }
}
