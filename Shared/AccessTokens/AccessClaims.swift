/// What a verified access token says: who, in which company, with which role. The tenant of a
/// request comes only from here, never from a header, path or body; the role is an upper bound
/// (the access check lowers it to the membership's current role).
public struct AccessClaims: Sendable, Equatable {
    public let subject: String
    public let companyID: String
    public let role: Role
    public let email: String?
    public let expiresAt: Double
    /// The session the token was issued for (`sid`): revoking the session ends the token too.
    /// Development tokens have none.
    public let sessionID: String?

    public init(subject: String, companyID: String, role: Role, email: String?, expiresAt: Double, sessionID: String? = nil) {
        self.subject = subject
        self.sessionID = sessionID
        self.companyID = companyID
        self.role = role
        self.email = email
        self.expiresAt = expiresAt
    }
}

extension AccessClaims {
    /// The same claims acting with another role (the access check's answer).
    public func with(role: Role) -> AccessClaims {
        AccessClaims(subject: subject, companyID: companyID, role: role, email: email, expiresAt: expiresAt, sessionID: sessionID)
    }
}

/// Why a token was refused. The message is safe to show to the caller.
public struct AuthError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case missingToken, malformed, algorithmNotAllowed, unknownKey, badSignature, expired, notYetValid, issuedInFuture,
             wrongIssuer, wrongAudience, missingClaim, keysUnavailable
    }

    public let reason: Reason
    public let description: String

    public init(_ reason: Reason, _ description: String) {
        self.reason = reason
        self.description = description
    }
}
