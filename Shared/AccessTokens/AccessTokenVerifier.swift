import Base64Encoding
import Settings
import Crypto
import CryptoExtras
import JSONValue

/// Verifies access tokens: compact JWS, algorithm pinned to RS256 (the header must say exactly
/// `RS256`; `none`, `HS256` — including HS256 "signed" with the public key — and everything else
/// are refused before any key is looked at), signature by a key from the key source, then `exp`,
/// `nbf`, `iat` with a small leeway, `iss` and `aud` from configuration, and the claims the product
/// uses (`sub`, `company_id`, `role`).
public struct AccessTokenVerifier: Sendable {
    public let issuer: String
    public let audience: String
    public let leewaySeconds: Double
    private let keys: any VerificationKeySource

    /// Tokens whose signature and claims verified recently, by SHA-256 of the token (a forged
    /// token never gets in: only a full verification stores). A key taken out of the key set stops
    /// verifying within the cache time; the times inside a token are checked on every use.
    private let verified: ExpiringCache<[UInt8], VerifiedToken>

    struct VerifiedToken: Sendable {
        let claims: AccessClaims
        let notBefore: Double?
        let issuedAt: Double?
    }

    /// `cacheSeconds`: how long a verified signature is reused (0: never). Each use still checks
    /// the token's times; a key removed from the key set stops verifying within this time.
    public init(keys: any VerificationKeySource, issuer: String, audience: String, leewaySeconds: Double = 30,
                cacheSeconds: Double = 60) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leewaySeconds = leewaySeconds
        self.verified = ExpiringCache(seconds: cacheSeconds)
    }

    /// Verifies the value of an `Authorization` header (`Bearer <token>`).
    public func verify(authorizationHeader: String?, now: Double) async throws(AuthError) -> AccessClaims {
        guard let header = authorizationHeader else { throw AuthError(.missingToken, "missing bearer token") }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw AuthError(.missingToken, "authorization must be: Bearer <token>") }
        return try await verify(token: String(parts[1]).trimmingWhitespace(), now: now)
    }

    public func verify(token: String, now: Double) async throws(AuthError) -> AccessClaims {
        guard token.utf8.count <= 16_384 else { throw AuthError(.malformed, "token too long") }
        // An RSA verification is most of a short request's CPU, and a dashboard or API client
        // sends the same token many times: a verified signature is reused, its times are not.
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        if let entry = verified.value(for: digest, now: now) {
            try checkTimes(expiresAt: entry.claims.expiresAt, notBefore: entry.notBefore, issuedAt: entry.issuedAt, now: now)
            return entry.claims
        }
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let headerBytes = Base64URL.decode(segments[0]), let payloadBytes = Base64URL.decode(segments[1]),
              let signatureBytes = Base64URL.decode(segments[2])
        else { throw AuthError(.malformed, "token is not a compact JWS") }
        guard let header = try? JSONParser.parse(headerBytes), header.objectValue != nil else {
            throw AuthError(.malformed, "token header is not JSON")
        }
        guard header["alg"]?.stringValue == "RS256" else {
            throw AuthError(.algorithmNotAllowed, "only RS256 tokens are accepted")
        }
        if header["crit"] != nil { throw AuthError(.malformed, "critical header parameters are not supported") }
        guard let kid = header["kid"]?.stringValue, !kid.isEmpty else { throw AuthError(.malformed, "token header has no kid") }

        let key: _RSA.Signing.PublicKey?
        do { key = try await keys.key(for: kid) } catch let error as AuthError { throw error } catch {
            throw AuthError(.keysUnavailable, "verification keys unavailable")
        }
        guard let key else { throw AuthError(.unknownKey, "unknown signing key") }
        let signedPart = Array(token.utf8.prefix(segments[0].utf8.count + 1 + segments[1].utf8.count))
        let signature = _RSA.Signing.RSASignature(rawRepresentation: signatureBytes)
        guard key.isValidSignature(signature, for: SHA256.hash(data: signedPart), padding: .insecurePKCS1v1_5) else {
            throw AuthError(.badSignature, "signature does not verify")
        }

        guard let payload = try? JSONParser.parse(payloadBytes), payload.objectValue != nil else {
            throw AuthError(.malformed, "token payload is not JSON")
        }
        guard let expiresAt = payload["exp"].flatMap(Self.number) else { throw AuthError(.missingClaim, "token has no exp") }
        let notBefore = payload["nbf"].flatMap(Self.number)
        let issuedAt = payload["iat"].flatMap(Self.number)
        try checkTimes(expiresAt: expiresAt, notBefore: notBefore, issuedAt: issuedAt, now: now)
        guard payload["iss"]?.stringValue == issuer else { throw AuthError(.wrongIssuer, "token issuer not accepted") }
        let audiences = payload["aud"].map { value -> [String] in
            if let single = value.stringValue { return [single] }
            return value.arrayValue?.compactMap(\.stringValue) ?? []
        } ?? []
        guard audiences.contains(audience) else { throw AuthError(.wrongAudience, "token audience not accepted") }
        guard let subject = payload["sub"]?.stringValue, !subject.isEmpty else { throw AuthError(.missingClaim, "token has no sub") }
        guard let company = payload["company_id"]?.stringValue, Self.isUUID(company) else {
            throw AuthError(.missingClaim, "token has no valid company_id")
        }
        guard let role = payload["role"]?.stringValue.flatMap(Role.init(rawValue:)) else {
            throw AuthError(.missingClaim, "token has no valid role")
        }
        let sessionID = payload["sid"]?.stringValue
        if let sessionID, !Self.isUUID(sessionID) { throw AuthError(.missingClaim, "token has an invalid sid") }
        let claims = AccessClaims(subject: subject, companyID: company.lowercased(), role: role,
                                  email: payload["email"]?.stringValue, expiresAt: expiresAt, sessionID: sessionID?.lowercased())
        verified.store(VerifiedToken(claims: claims, notBefore: notBefore, issuedAt: issuedAt), for: digest, now: now)
        return claims
    }

    private func checkTimes(expiresAt: Double, notBefore: Double?, issuedAt: Double?, now: Double) throws(AuthError) {
        guard now <= expiresAt + leewaySeconds else { throw AuthError(.expired, "token expired") }
        if let notBefore, now + leewaySeconds < notBefore { throw AuthError(.notYetValid, "token not valid yet") }
        if let issuedAt, issuedAt > now + leewaySeconds { throw AuthError(.issuedInFuture, "token issued in the future") }
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                if byte != UInt8(ascii: "-") { return false }
            } else if !((48...57).contains(byte) || (97...102).contains(byte) || (65...70).contains(byte)) {
                return false
            }
        }
        return true
    }
}

