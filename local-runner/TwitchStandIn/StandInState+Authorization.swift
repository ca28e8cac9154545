import BlockingIO
import NIOConcurrencyHelpers

/// How `/oauth2/authorize` answers while auto-approval is on (`_stand-in/oauth/auto-approve`).
public enum AutoApproval: Sendable, Equatable {
    /// Redirects with a code at once, as if the user with this id clicked Authorize.
    case approve(userID: String)
    /// Redirects with `access_denied` at once, as if the user clicked Cancel.
    case deny
}

/// What a user has authorized and which of their tokens work (`GET /_stand-in/users/{id}/authorization`).
public struct AuthorizationSummary: Sendable, Equatable {
    public let scopes: [String]
    public let activeAccessTokens: Int
    public let activeRefreshTokens: Int
    /// Tokens ended by `/oauth2/revoke`, a disconnect or a password change (not by expiry or by
    /// being refreshed).
    public let revokedTokens: Int
}

/// Whom a token belongs to, for `/oauth2/validate` and Helix authentication.
struct TokenOwner {
    /// nil for an app access token.
    let user: StandInUser?
    let scopes: [String]
    let remainingSeconds: Int
}

/// The user OAuth side of the state: grants (scopes per user), authorization codes, user tokens.
extension StandInState {
    // MARK: Grants

    /// Adds `scopes` to what the user has granted the client id (an approved consent, or a test
    /// granting without a browser). Nil for an unknown user.
    @discardableResult
    public func grant(userID: String, scopes: [String]) -> StandInUser? {
        store.withLockedValue { store in
            guard var user = store.usersByID[userID] else { return nil }
            user.grantedScopes.formUnion(scopes)
            store.usersByID[userID] = user
            return user
        }
    }

    public func authorizationSummary(userID: String) -> AuthorizationSummary? {
        let now = wallClockSeconds()
        return store.withLockedValue { store in
            guard let user = store.usersByID[userID] else { return nil }
            let counts = store.userTokens.counts(userID: userID, now: now)
            return AuthorizationSummary(scopes: user.grantedScopes.sorted(), activeAccessTokens: counts.access,
                                        activeRefreshTokens: counts.refresh, revokedTokens: counts.revoked)
        }
    }

    /// The user clicked Disconnect: the grant is gone, every token of the user stops working, and
    /// their live subscriptions that need a scope are `authorization_revoked` (returned, for the
    /// revocation messages). Scope-less subscriptions are left alone: whether Twitch revokes them
    /// too is unconfirmed, and they need no authorization to exist. Nil for an unknown user.
    func disconnect(userID: String) -> (user: StandInUser, hadAuthorized: Bool, revoked: [StandInSubscription])? {
        let now = wallClockSeconds()
        return store.withLockedValue { store in
            guard var user = store.usersByID[userID] else { return nil }
            let hadAuthorized = user.hasAuthorizedApp
            user.grantedScopes = []
            store.usersByID[userID] = user
            store.userTokens.revokeAll(userID: userID, now: now)
            var revoked: [StandInSubscription] = []
            for index in store.subscriptions.indices where store.subscriptions[index].isLive {
                let subscription = store.subscriptions[index]
                let grants = SubscriptionCatalog.requiredGrants(type: subscription.type, condition: subscription.condition)
                guard grants.contains(where: { $0.userID == userID }) else { continue }
                store.subscriptions[index].status = "authorization_revoked"
                revoked.append(store.subscriptions[index])
            }
            return (user, hadAuthorized, revoked)
        }
    }

    /// A password change: every access and refresh token of the user stops working; what the
    /// user authorized stays. Returns how many tokens ended, nil for an unknown user.
    public func invalidateTokens(userID: String) -> Int? {
        let now = wallClockSeconds()
        return store.withLockedValue { store in
            guard store.usersByID[userID] != nil else { return nil }
            return store.userTokens.revokeAll(userID: userID, now: now)
        }
    }

    /// The user's access tokens expire now (their refresh tokens keep working). False for an
    /// unknown user.
    @discardableResult
    public func expireAccessTokens(userID: String) -> Bool {
        let now = wallClockSeconds()
        return store.withLockedValue { store in
            guard store.usersByID[userID] != nil else { return false }
            store.userTokens.expireAccessTokens(userID: userID, now: now)
            return true
        }
    }

    // MARK: Auto-approval

    public var autoApproval: AutoApproval? {
        get { store.withLockedValue { $0.autoApproval } }
        set { store.withLockedValue { $0.autoApproval = newValue } }
    }

    // MARK: Codes and user tokens

    /// An approved consent: the scopes join the user's grant and a code for them is issued.
    func approve(userID: String, scopes: [String], redirectURI: String) -> String? {
        let now = wallClockSeconds()
        let lifetime = Double(configuration.authorizationCodeLifetimeSeconds)
        return store.withLockedValue { store in
            guard store.usersByID[userID] != nil else { return nil }
            store.usersByID[userID]?.grantedScopes.formUnion(scopes)
            return store.userTokens.issueCode(userID: userID, scopes: scopes, redirectURI: redirectURI, now: now, lifetime: lifetime)
        }
    }

    /// `grant_type=authorization_code`: the code's tokens, once. A code whose user has been
    /// disconnected since is gone (disconnects remove outstanding codes).
    func exchange(code: String, redirectURI: String) -> Result<UserTokenStore.Pair, UserTokenStore.RedeemFailure> {
        let now = wallClockSeconds()
        let lifetime = Double(configuration.userTokenLifetimeSeconds)
        return store.withLockedValue { store in
            store.userTokens.redeem(code: code, redirectURI: redirectURI, now: now).map { issued in
                store.userTokens.issuePair(userID: issued.userID, scopes: issued.scopes, now: now, accessLifetime: lifetime)
            }
        }
    }

    /// `grant_type=refresh_token`: a new pair, the old refresh token used up; nil if it does not work.
    func refresh(refreshToken: String) -> UserTokenStore.Pair? {
        let now = wallClockSeconds()
        let lifetime = Double(configuration.userTokenLifetimeSeconds)
        return store.withLockedValue { $0.userTokens.refresh(refreshToken, now: now, accessLifetime: lifetime) }
    }

    /// `/oauth2/revoke`: an app token, or a user token (with its grant's refresh token). False
    /// for a token that is unknown or no longer works.
    func revoke(token: String) -> Bool {
        let now = wallClockSeconds()
        return store.withLockedValue { store in
            if let expiresAt = store.tokens.removeValue(forKey: token) { return expiresAt > now }
            return store.userTokens.revoke(token, now: now)
        }
    }

    /// The owner of a working access token (app or user), nil if it is unknown, expired or revoked.
    func owner(ofToken token: String) -> TokenOwner? {
        let now = wallClockSeconds()
        return store.withLockedValue { store in
            if let expiresAt = store.tokens[token] {
                return expiresAt > now ? TokenOwner(user: nil, scopes: [], remainingSeconds: Int(expiresAt - now)) : nil
            }
            guard let record = store.userTokens.accessToken(token, now: now), let user = store.usersByID[record.userID] else { return nil }
            return TokenOwner(user: user, scopes: record.scopes, remainingSeconds: Int(record.expiresAt - now))
        }
    }
}
