import Base64Encoding
import BlockingIO
import Crypto
import JSONValue
import NIOConcurrencyHelpers

/// Everything the stand-in remembers: users, authorization codes, access tokens and the pending
/// ID token deviation. One lock around plain values; tests read and change it directly.
public final class OIDCStandInState: Sendable {
    private let store: NIOLockedValueBox<Store>
    private let accessTokenLifetimeSeconds: Double

    struct Store {
        /// Sign-in page order.
        var subs: [String] = []
        var users: [String: OIDCStandInUser] = [:]
        var codes: [String: IssuedCode] = [:]
        var accessTokens: [String: IssuedAccessToken] = [:]
        var nextIDToken: IDTokenOverride?
        var tokenResponses = 0
    }

    init(configuration: OIDCStandInConfiguration) {
        var store = Store()
        for user in configuration.users {
            if store.users[user.sub] == nil { store.subs.append(user.sub) }
            store.users[user.sub] = user
        }
        self.store = NIOLockedValueBox(store)
        self.accessTokenLifetimeSeconds = Double(configuration.accessTokenLifetimeSeconds)
    }

    // MARK: Users

    /// Every user, in sign-in page order.
    public var users: [OIDCStandInUser] { store.withLockedValue { store in store.subs.compactMap { store.users[$0] } } }

    public func user(sub: String) -> OIDCStandInUser? { store.withLockedValue { $0.users[sub] } }

    /// Adds a user (at the end of the sign-in page) or replaces the claims of an existing one.
    /// The claims need an `email` string; `email_verified`, when present, must be a boolean; the
    /// protocol claims (`iss`, `aud`, `exp`, …) are refused. Returns whether the user is new.
    @discardableResult
    public func setUser(_ user: OIDCStandInUser) throws(OIDCStandInInputError) -> Bool {
        try Self.check(user)
        return store.withLockedValue { store in
            let isNew = store.users[user.sub] == nil
            if isNew { store.subs.append(user.sub) }
            store.users[user.sub] = user
            return isNew
        }
    }

    static func check(_ user: OIDCStandInUser) throws(OIDCStandInInputError) {
        guard !user.sub.isEmpty, user.sub.utf8.count <= 255, user.sub.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw OIDCStandInInputError("sub must be 1 to 255 visible ASCII characters (OIDC Core §2)")
        }
        guard let email = user.claims["email"]?.stringValue, !email.isEmpty else {
            throw OIDCStandInInputError("the claims need an email string")
        }
        if let verified = user.claims["email_verified"], verified.boolValue == nil {
            throw OIDCStandInInputError("email_verified must be true or false")
        }
        if let claim = user.claims.keys.sorted().first(where: OIDCStandInUser.protocolClaims.contains) {
            throw OIDCStandInInputError("\(claim) is set by the stand-in, not a user claim (use /_stand-in/next-id-token to change it)")
        }
    }

    // MARK: The next ID token

    /// Makes the next successful token response's ID token deviate as described, once.
    public func setNextIDToken(_ override: IDTokenOverride?) { store.withLockedValue { $0.nextIDToken = override } }

    /// The deviation still waiting for a token response, if any.
    public var pendingIDTokenOverride: IDTokenOverride? { store.withLockedValue { $0.nextIDToken } }

    /// How many successful token responses the stand-in has given.
    public var tokenResponses: Int { store.withLockedValue { $0.tokenResponses } }

    // MARK: Codes and tokens

    /// A new single-use code for `grant`, valid for `lifetimeSeconds`.
    func issueCode(for grant: AuthorizationGrant, lifetimeSeconds: Int) -> String {
        let code = Secrets.randomToken()
        let now = wallClockSeconds()
        store.withLockedValue { store in
            Self.prune(&store, now: now, tokenLifetime: accessTokenLifetimeSeconds)
            store.codes[code] = IssuedCode(grant: grant, expiresAt: now + Double(lifetimeSeconds))
        }
        return code
    }

    /// Why a code bought nothing (each is `invalid_grant`; the description says which).
    enum ExchangeRefusal: Error {
        case unknownCode, otherClient, expired, reused, redirectMismatch, missingVerifier, verifierMismatch

        var description: String {
            switch self {
            case .unknownCode: return "the authorization code is not known"
            case .otherClient: return "the authorization code was issued to another client"
            case .expired: return "the authorization code has expired"
            case .reused: return "the authorization code was already used; tokens issued for it are revoked"
            case .redirectMismatch: return "redirect_uri differs from the one in the authorization request"
            case .missingVerifier: return "code_verifier is required (PKCE)"
            case .verifierMismatch: return "code_verifier does not match the code_challenge"
            }
        }
    }

    /// Redeems `code` for `clientID` in one step under the lock, so two concurrent uses cannot
    /// both succeed: checks it, marks it used, records a new access token and takes the pending
    /// ID token deviation. The owning client's attempt uses the code up even when the
    /// redirect URI or verifier is wrong; a second use revokes the token of the first.
    func exchange(code: String, clientID: String, redirectURI: String?, verifier: String?)
        -> Result<(grant: AuthorizationGrant, accessToken: String, override: IDTokenOverride?), ExchangeRefusal>
    {
        let now = wallClockSeconds()
        let accessToken = Secrets.randomToken()
        let lifetime = accessTokenLifetimeSeconds
        return store.withLockedValue { store in
            guard var issued = store.codes[code] else { return .failure(.unknownCode) }
            guard issued.grant.clientID == clientID else { return .failure(.otherClient) }
            if issued.used {
                if let token = issued.accessToken { store.accessTokens[token] = nil }
                issued.accessToken = nil
                store.codes[code] = issued
                return .failure(.reused)
            }
            issued.used = true
            store.codes[code] = issued
            guard issued.expiresAt > now else { return .failure(.expired) }
            guard redirectURI == issued.grant.redirectURI else { return .failure(.redirectMismatch) }
            guard let verifier else { return .failure(.missingVerifier) }
            guard Self.challenge(of: verifier) == issued.grant.codeChallenge else { return .failure(.verifierMismatch) }
            issued.accessToken = accessToken
            store.codes[code] = issued
            store.accessTokens[accessToken] = IssuedAccessToken(
                sub: issued.grant.sub, clientID: clientID, scopes: issued.grant.scopes, expiresAt: now + lifetime)
            let override = store.nextIDToken
            store.nextIDToken = nil
            store.tokenResponses += 1
            return .success((issued.grant, accessToken, override))
        }
    }

    /// BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2). A verifier outside the RFC's 43–128
    /// unreserved characters can never match.
    static func challenge(of verifier: String) -> String? {
        guard AuthorizationRequest.isPKCEValue(verifier) else { return nil }
        return Base64URL.encode(Array(SHA256.hash(data: Array(verifier.utf8))))
    }

    /// The user and scopes behind a live access token, nil if unknown, revoked or expired.
    func userInfo(accessToken: String) -> (user: OIDCStandInUser, scopes: [String])? {
        let now = wallClockSeconds()
        return store.withLockedValue { store in
            guard let token = store.accessTokens[accessToken], token.expiresAt > now, let user = store.users[token.sub] else { return nil }
            return (user, token.scopes)
        }
    }

    /// Invalidates every access token (as if the provider revoked them): `/userinfo` answers 401.
    public func revokeAllAccessTokens() { store.withLockedValue { $0.accessTokens.removeAll() } }

    /// Drops expired codes (used ones once the token they bought would have expired) and tokens.
    private static func prune(_ store: inout Store, now: Double, tokenLifetime: Double) {
        store.codes = store.codes.filter { _, issued in
            issued.used ? issued.expiresAt + tokenLifetime > now : issued.expiresAt > now
        }
        store.accessTokens = store.accessTokens.filter { $0.value.expiresAt > now }
    }
}
