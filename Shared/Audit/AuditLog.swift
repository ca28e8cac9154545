public import JSONValue
public import Postgres

/// Who performed a mutation.
public struct AuditActor: Sendable {
    public let userID: String
    public let role: String
    public let requestID: String
    public let ip: String?
    public let userAgent: String?

    public init(userID: String, role: String, requestID: String, ip: String?, userAgent: String?) {
        self.userID = userID
        self.role = role
        self.requestID = requestID
        self.ip = ip
        self.userAgent = userAgent
    }
}

/// One audit row per mutating request, written on the same connection inside the same
/// transaction as the change: both commit, or neither. The app role may only INSERT and SELECT
/// audit rows (append only).
public enum AuditLog {
    public static func record(
        on connection: PostgresConnection, companyID: String, actor: AuditActor, action: String, targetType: String,
        targetID: String?, before: JSONValue?, after: JSONValue?
    ) throws {
        try connection.query("""
            INSERT INTO audit_logs (company_id, actor_user_id, actor_role, action, target_type, target_id, before, after,
                                    request_id, ip, user_agent)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10::inet, $11)
            """, [companyID, actor.userID, actor.role, action, targetType, targetID, before.map(JSONWriter.string),
                  after.map(JSONWriter.string), actor.requestID, actor.ip.flatMap(validIP), actor.userAgent.map { String($0.prefix(512)) }])
    }

    /// Only a plain IPv4/IPv6 literal goes into the inet column (anything else would fail the insert).
    public static func validIP(_ text: String) -> String? {
        let allowed = text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) || $0 == 46 || $0 == 58 }
        return allowed && !text.isEmpty && text.utf8.count <= 45 ? text : nil
    }
}
