import Audit
import API
import AccessTokens
import Base64Encoding
import Crypto
import FunctionRuntime
import JSONValue
import Postgres

/// A company a user belongs to, with what sign-in it requires.
struct CompanyChoice: Sendable, Equatable {
    let id: String
    let name: String
    let role: Role
    /// The only provider (issuer) this company accepts, if it requires one.
    let requiredIssuer: String?
    /// Email domains this company accepts (empty: any).
    let emailDomains: [String]

    /// Whether a sign-in through `issuer` with `email` may act for this company.
    func admits(issuer: String, email: String) -> Bool {
        if let requiredIssuer, requiredIssuer != issuer { return false }
        guard !emailDomains.isEmpty else { return true }
        let domain = email.split(separator: "@").last.map { $0.lowercased() } ?? ""
        return emailDomains.contains(domain)
    }
}

/// What a refresh attempt found (`session_refresh`, migration 7).
enum RefreshOutcome: Sendable {
    case rotated(sessionID: String, userID: String, companyID: String, role: Role, email: String)
    /// unknown, reused (the session is now revoked), revoked, expired, not_a_member.
    case refused(String)
}

/// Sessions, identities and sign-in records, through the reviewed SECURITY DEFINER functions of
/// migration 7 (the app role has no privilege on those tables).
struct SessionStore: Sendable {
    let pool: PostgresPool

    static func hash(_ token: String) -> String {
        Base64.encode(Array(SHA256.hash(data: Array(token.utf8))))
    }

    func signIn(issuer: String, subject: String, email: String, name: String?) async throws -> String {
        try await pool.withConnection { connection in
            try connection.query("SELECT sign_in_user($1, $2, $3, $4)::text AS id", [issuer, subject, email, name]).first!.require("id")
        }
    }

    func companies(of userID: String) async throws -> [CompanyChoice] {
        let rows = try await pool.withConnection { connection in
            try connection.query("""
                SELECT company_id::text AS id, name, role, sso_issuer, array_to_string(sso_email_domains, ',') AS domains
                FROM user_companies($1::uuid)
                """, [userID]).rows
        }
        return rows.compactMap { row in
            guard let id = row["id"], let name = row["name"], let role = row["role"].flatMap(Role.init(rawValue:)) else { return nil }
            let domains = (row["domains"] ?? "").split(separator: ",").map { $0.lowercased() }
            return CompanyChoice(id: id, name: name, role: role, requiredIssuer: row["sso_issuer"], emailDomains: domains)
        }
    }

    func start(userID: String, companyID: String, issuer: String, refreshToken: String, lifetimeSeconds: Int,
               userAgent: String?, ip: String?) async throws -> String? {
        try await pool.withConnection { connection in
            try connection.query("SELECT session_start($1::uuid, $2::uuid, $3, decode($4, 'base64'), $5::integer, $6, $7::inet)::text AS id",
                                 [userID, companyID, issuer, Self.hash(refreshToken), lifetimeSeconds, userAgent, ip]).first?["id"]
        }
    }

    func refresh(presented: String, replacement: String) async throws -> RefreshOutcome {
        let row = try await pool.withConnection { connection in
            try connection.query("""
                SELECT outcome, session_id::text AS session_id, user_id::text AS user_id, company_id::text AS company_id, role, email
                FROM session_refresh(decode($1, 'base64'), decode($2, 'base64'))
                """, [Self.hash(presented), Self.hash(replacement)]).first
        }
        guard let row, let outcome = row["outcome"] else { return .refused("unknown") }
        guard outcome == "ok", let session = row["session_id"], let user = row["user_id"], let company = row["company_id"],
              let role = row["role"].flatMap(Role.init(rawValue:))
        else { return .refused(outcome) }
        return .rotated(sessionID: session, userID: user, companyID: company, role: role, email: row["email"] ?? "")
    }

    /// The live session of a refresh token: (session, user, company).
    func session(ofRefresh token: String) async throws -> (String, String, String)? {
        let row = try await pool.withConnection { connection in
            try connection.query("""
                SELECT session_id::text AS s, user_id::text AS u, company_id::text AS c FROM session_of_refresh(decode($1, 'base64'))
                """, [Self.hash(token)]).first
        }
        guard let row, let session = row["s"], let user = row["u"], let company = row["c"] else { return nil }
        return (session, user, company)
    }

    func switchCompany(sessionID: String, userID: String, companyID: String) async throws -> Role? {
        try await pool.withConnection { connection in
            try connection.query("SELECT session_switch($1::uuid, $2::uuid, $3::uuid) AS role", [sessionID, userID, companyID])
                .first?["role"].flatMap(Role.init(rawValue:))
        }
    }

    /// Revokes one session of the user (or all, `sessionID` nil); returns (session, company) pairs.
    func revoke(userID: String, sessionID: String?, reason: String) async throws -> [(String, String)] {
        try await pool.withConnection { connection in
            try connection.query("SELECT id::text AS id, company_id::text AS company FROM sessions_revoke($1::uuid, $2::uuid, $3)",
                                 [userID, sessionID, reason]).rows.compactMap { row in row["id"].flatMap { id in row["company"].map { (id, $0) } } }
        }
    }

    func sessions(of userID: String) async throws -> [JSONValue] {
        let rows = try await pool.withConnection { connection in
            try connection.query("""
                SELECT id::text AS id, company_id::text AS company_id, company_name, host(ip) AS ip, user_agent,
                       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
                       to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_used_at,
                       to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS expires_at
                FROM user_sessions($1::uuid)
                """, [userID]).rows
        }
        return rows.map { row in
            ["id": .string(row["id"] ?? ""), "companyId": .string(row["company_id"] ?? ""), "companyName": .string(row["company_name"] ?? ""),
             "ip": row["ip"].map(JSONValue.string) ?? .null, "userAgent": row["user_agent"].map(JSONValue.string) ?? .null,
             "createdAt": .string(row["created_at"] ?? ""), "lastUsedAt": .string(row["last_used_at"] ?? ""),
             "expiresAt": .string(row["expires_at"] ?? "")]
        }
    }

    enum InvitationOutcome {
        case accepted(companyID: String)
        /// unknown, expired, used, revoked, email_mismatch
        case refused(String)
    }

    /// Accepts an invitation for a signed-in user whose provider verified `email` (migration 9's
    /// `accept_invitation`: membership, the invitation marked used and the audit row, or why not).
    func acceptInvitation(token: String, userID: String, email: String) async throws -> InvitationOutcome {
        let row = try await pool.withConnection { connection in
            try connection.query("SELECT outcome, company_id::text AS company FROM accept_invitation(decode($1, 'base64'), $2::uuid, $3)",
                                 [Self.hash(token), userID, email]).first
        }
        guard let row, let outcome = row["outcome"] else { return .refused("unknown") }
        if outcome == "accepted", let company = row["company"] { return .accepted(companyID: company) }
        return .refused(outcome)
    }

    func recordFailure(issuer: String?, reason: String, email: String?, ip: String?, userAgent: String?) async {
        _ = try? await pool.withConnection { connection in
            try connection.query("SELECT record_sign_in_failure($1, $2, $3, $4::inet, $5)", [issuer, reason, email, ip, userAgent])
        }
    }

    /// One audit row in the company's log (its tenant scope, like every audit write).
    func audit(companyID: String, actor: AuditActor, action: String, targetType: String, targetID: String?, after: JSONValue?) async {
        _ = try? await pool.withConnection { connection in
            try connection.withTenantScope(companyId: companyID) {
                try AuditLog.record(on: connection, companyID: companyID, actor: actor, action: action, targetType: targetType,
                                    targetID: targetID, before: nil, after: after)
            }
        }
    }
}
