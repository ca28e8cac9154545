/// What a verified access token says: who, in which company, with which role. The tenant of a
/// request comes only from here, never from a header, path or body.
public struct AccessClaims: Sendable, Equatable {
    public let subject: String
    public let companyID: String
    public let role: Role
    public let email: String?
    public let expiresAt: Double

    public init(subject: String, companyID: String, role: Role, email: String?, expiresAt: Double) {
        self.subject = subject
        self.companyID = companyID
        self.role = role
        self.email = email
        self.expiresAt = expiresAt
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
