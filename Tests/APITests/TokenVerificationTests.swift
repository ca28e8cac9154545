import Base64Encoding
import CryptoExtras
import Crypto
import AccessTokens
import BlockingIO
import JSONValue
import TestSupport
import Testing

@Suite struct TokenVerificationTests {
    static let company = "2f1c7a52-8d4e-4a67-9f30-5b6f0e1d2c3a"
    let verifier = AccessTokenVerifier(
        keys: StaticKeySource(jwks: JSONWebKeySet(keys: ["test-key": APIHarness.signer.privateKey.publicKey])),
        issuer: "https://idp.test", audience: "ccr-api")
    let now = wallClockSeconds()

    func claims(_ overrides: [String: JSONValue] = [:], removing: [String] = []) -> JSONValue {
        var claims: [String: JSONValue] = ["iss": "https://idp.test", "aud": "ccr-api", "sub": "user:1", "company_id": .string(Self.company),
                                           "role": "admin", "iat": .int(Int64(now)), "nbf": .int(Int64(now)), "exp": .int(Int64(now + 600))]
        claims.merge(overrides) { _, new in new }
        for key in removing { claims[key] = nil }
        return .object(claims)
    }

    func sign(_ claims: JSONValue, header: JSONValue = ["alg": "RS256", "typ": "JWT", "kid": "test-key"]) -> String {
        try! APIHarness.signer.sign(header: header, claims: claims)
    }

    func reason(_ token: String) async -> AuthError.Reason? {
        do {
            _ = try await verifier.verify(token: token, now: now)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func validTokenYieldsItsClaims() async throws {
        let verified = try await verifier.verify(authorizationHeader: "Bearer " + sign(claims()), now: now)
        #expect(verified.companyID == Self.company)
        #expect(verified.role == .admin)
        #expect(verified.subject == "user:1")
        // An audience list containing ours is fine too.
        #expect(await reason(sign(claims(["aud": ["other", "ccr-api"]]))) == nil)
    }

    @Test func timeClaims() async {
        #expect(await reason(sign(claims(["exp": .int(Int64(now - 120))]))) == .expired)
        #expect(await reason(sign(claims(["nbf": .int(Int64(now + 120))]))) == .notYetValid)
        #expect(await reason(sign(claims(["iat": .int(Int64(now + 120))]))) == .issuedInFuture)
        #expect(await reason(sign(claims(removing: ["exp"]))) == .missingClaim)
        // Within the leeway.
        #expect(await reason(sign(claims(["exp": .int(Int64(now - 10))]))) == nil)
    }

    @Test func issuerAudienceAndClaims() async {
        #expect(await reason(sign(claims(["iss": "https://evil.test"]))) == .wrongIssuer)
        #expect(await reason(sign(claims(["aud": "another-api"]))) == .wrongAudience)
        #expect(await reason(sign(claims(["role": "superuser"]))) == .missingClaim)
        #expect(await reason(sign(claims(["company_id": "not-a-uuid"]))) == .missingClaim)
        #expect(await reason(sign(claims(removing: ["sub"]))) == .missingClaim)
    }

    @Test func forgedTokensAreRefused() async throws {
        let good = sign(claims())
        let parts = good.split(separator: ".").map(String.init)
        // Tampered payload (role raised to owner), original signature.
        let raised = Base64URL.encode(Array(JSONWriter.string(claims(["role": "owner"])).utf8))
        #expect(await reason(parts[0] + "." + raised + "." + parts[2]) == .badSignature)
        // Unknown kid.
        #expect(await reason(sign(claims(), header: ["alg": "RS256", "kid": "someone-else"])) == .unknownKey)
        // alg none, with and without a signature.
        let none = Base64URL.encode(Array(#"{"alg":"none","kid":"test-key"}"#.utf8)) + "." + parts[1]
        #expect(await reason(none + ".") == .algorithmNotAllowed)
        #expect(await reason(none + "." + parts[2]) == .algorithmNotAllowed)
        // HS256 "signed" with the public key as the HMAC secret (the classic key-confusion attack).
        let hsHeader = Base64URL.encode(Array(#"{"alg":"HS256","kid":"test-key","typ":"JWT"}"#.utf8))
        let input = hsHeader + "." + parts[1]
        let publicPEM = APIHarness.signer.privateKey.publicKey.pemRepresentation
        let mac = hmacSHA256(key: Array(publicPEM.utf8), message: Array(input.utf8))
        #expect(await reason(input + "." + Base64URL.encode(mac)) == .algorithmNotAllowed)
        // Other algorithms and junk.
        #expect(await reason(sign(claims(), header: ["alg": "RS512", "kid": "test-key"])) == .algorithmNotAllowed)
        #expect(await reason(sign(claims(), header: ["alg": "rs256", "kid": "test-key"])) == .algorithmNotAllowed)
        #expect(await reason("a.b") == .malformed)
        #expect(await reason("###.###.###") == .malformed)
        do {
            _ = try await verifier.verify(authorizationHeader: nil, now: now)
            Issue.record("missing header accepted")
        } catch {
            #expect(error.reason == .missingToken)
        }
    }

    /// Counts key lookups: a lookup is what a full verification does first.
    final class CountingKeys: VerificationKeySource, @unchecked Sendable {
        let inner = StaticKeySource(jwks: JSONWebKeySet(keys: ["test-key": APIHarness.signer.privateKey.publicKey]))
        var lookups = 0
        func key(for kid: String) async throws -> _RSA.Signing.PublicKey? {
            lookups += 1
            return try await inner.key(for: kid)
        }
        func knownKey(for kid: String) -> _RSA.Signing.PublicKey? { nil }
    }

    /// A verified token is reused without a second RSA verification, but its times are checked on
    /// every use, a changed token is verified afresh, and past the cache time it is verified again.
    @Test func verifiedTokensAreReusedButTheirTimesAreNot() async throws {
        let keys = CountingKeys()
        let cached = AccessTokenVerifier(keys: keys, issuer: "https://idp.test", audience: "ccr-api", cacheSeconds: 60)
        let token = sign(claims())
        #expect(try await cached.verify(token: token, now: now).role == .admin)
        #expect(try await cached.verify(token: token, now: now + 1).role == .admin)
        #expect(keys.lookups == 1)
        let shortLived = sign(claims(["exp": .int(Int64(now) + 10)]))
        _ = try await cached.verify(token: shortLived, now: now)
        #expect(keys.lookups == 2)
        await #expect(throws: AuthError.self) { try await cached.verify(token: shortLived, now: now + 10 + 31) }
        #expect(keys.lookups == 2, "expired from the cached times, no new verification")
        // The same claims with another signature: not the cached token.
        let parts = token.split(separator: ".")
        var signature = Array(Base64URL.decode(parts[2])!)
        signature[0] ^= 1
        let forged = parts[0] + "." + parts[1] + "." + Base64URL.encode(signature)
        await #expect(throws: AuthError.self) { try await cached.verify(token: forged, now: now + 2) }
        #expect(keys.lookups == 3)
        _ = try await cached.verify(token: token, now: now + 61)
        #expect(keys.lookups == 4, "past the cache time the signature is verified again")
        let uncached = AccessTokenVerifier(keys: keys, issuer: "https://idp.test", audience: "ccr-api", cacheSeconds: 0)
        _ = try await uncached.verify(token: token, now: now)
        _ = try await uncached.verify(token: token, now: now)
        #expect(keys.lookups == 6)
    }

}

import Crypto

func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
    Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
}
