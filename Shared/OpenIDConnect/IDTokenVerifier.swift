import Base64Encoding
import JSONValue

/// What a verified ID token says about the person.
public struct IDTokenClaims: Sendable, Equatable {
    public let issuer: String
    public let subject: String
    /// Only set when the provider says it verified the address (`email_verified: true`); an
    /// unverified email is never trusted (account pre-hijacking).
    public let verifiedEmail: String?
    public let unverifiedEmail: String?
    public let name: String?
    public let hostedDomain: String?
}

/// ID token validation, OpenID Connect Core §3.1.3.7: compact JWS; the header's `alg` among the
/// provider's pinned algorithms (so `none` and HS256 are refused before any key is looked at);
/// signature by the provider's key for `kid`; `iss` exactly the provider's; `aud` contains the
/// client id and any other audience is refused; `azp`, when present, is the client id; `exp` in
/// the future and `iat` not in the future (small leeway) nor too old; `nonce` equals the one
/// this sign-in sent.
public struct IDTokenVerifier: Sendable {
    public let provider: OpenIDProvider
    public var leewaySeconds: Double = 60
    /// ID tokens are used at once; an old `iat` is a replayed token.
    public var maximumAgeSeconds: Double = 600

    public init(provider: OpenIDProvider) {
        self.provider = provider
    }

    public func verify(_ token: String, nonce: String, now: Double,
                       key: (String) async throws -> ProviderKey?) async throws(OpenIDError) -> IDTokenClaims {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 16_384, segments.count == 3, let headerBytes = Base64URL.decode(segments[0]),
              let payloadBytes = Base64URL.decode(segments[1]), let signature = Base64URL.decode(segments[2]),
              let header = try? JSONParser.parse(headerBytes), header.objectValue != nil
        else { throw OpenIDError("invalid_id_token", "the ID token is not a compact JWS") }
        guard let algorithm = header["alg"]?.stringValue.flatMap(IDTokenAlgorithm.init(rawValue:)), provider.algorithms.contains(algorithm) else {
            throw OpenIDError("invalid_id_token", "the ID token's algorithm is not accepted for this provider")
        }
        if header["crit"] != nil { throw OpenIDError("invalid_id_token", "critical header parameters are not supported") }
        let kid = header["kid"]?.stringValue ?? ""
        let found: ProviderKey?
        do { found = try await key(kid) } catch let error as OpenIDError { throw error } catch {
            throw OpenIDError("keys_unavailable", "the provider's keys could not be fetched")
        }
        guard let found, found.algorithm == algorithm else { throw OpenIDError("invalid_id_token", "the ID token is signed by an unknown key") }
        let signedPart = Array(token.utf8.prefix(segments[0].utf8.count + 1 + segments[1].utf8.count))
        guard found.isValidSignature(signature, for: signedPart) else {
            throw OpenIDError("invalid_id_token", "the ID token's signature does not verify")
        }
        guard let payload = try? JSONParser.parse(payloadBytes), payload.objectValue != nil else {
            throw OpenIDError("invalid_id_token", "the ID token's payload is not JSON")
        }
        guard payload["iss"]?.stringValue == provider.issuer else { throw OpenIDError("invalid_id_token", "the ID token's issuer is wrong") }
        let audiences: [String] = payload["aud"]?.stringValue.map { [$0] } ?? payload["aud"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard audiences.contains(provider.clientID), audiences.allSatisfy({ $0 == provider.clientID }) else {
            throw OpenIDError("invalid_id_token", "the ID token's audience is wrong")
        }
        if let azp = payload["azp"], azp.stringValue != provider.clientID {
            throw OpenIDError("invalid_id_token", "the ID token's authorized party is wrong")
        }
        guard let expiresAt = payload["exp"].flatMap(Self.number), let issuedAt = payload["iat"].flatMap(Self.number) else {
            throw OpenIDError("invalid_id_token", "the ID token has no exp or iat")
        }
        guard now <= expiresAt + leewaySeconds else { throw OpenIDError("invalid_id_token", "the ID token has expired") }
        guard issuedAt <= now + leewaySeconds, now - issuedAt <= maximumAgeSeconds else {
            throw OpenIDError("invalid_id_token", "the ID token's issue time is not acceptable")
        }
        guard let tokenNonce = payload["nonce"]?.stringValue, tokenNonce == nonce else {
            throw OpenIDError("nonce_mismatch", "the ID token's nonce does not match this sign-in")
        }
        guard let subject = payload["sub"]?.stringValue, !subject.isEmpty, subject.utf8.count <= 255 else {
            throw OpenIDError("invalid_id_token", "the ID token has no subject")
        }
        let email = payload["email"]?.stringValue
        // `email_verified` (Google, most providers; some send the string "true"). Microsoft Entra ID
        // sends none; its optional claim `xms_edov` (email domain owner verified) says the same for
        // the tenant's verified domains, so an Entra app registration adds that optional claim.
        func isTrue(_ value: JSONValue?) -> Bool { value?.boolValue == true || value?.stringValue == "true" }
        let verified = isTrue(payload["email_verified"]) || isTrue(payload["xms_edov"])
        let hostedDomain = payload["hd"]?.stringValue
        if let required = provider.hostedDomain, hostedDomain != required {
            throw OpenIDError("wrong_domain", "this provider only accepts accounts of \(required)")
        }
        return IDTokenClaims(issuer: provider.issuer, subject: subject, verifiedEmail: verified ? email : nil,
                             unverifiedEmail: verified ? nil : email, name: payload["name"]?.stringValue, hostedDomain: hostedDomain)
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }
}
