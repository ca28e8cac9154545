import BlockingIO
import EventSub
import JSONValue
import NIOConcurrencyHelpers

/// A refused control or test input (bad login, unknown user).
public struct StandInInputError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Everything the stand-in knows: users, live streams, subscriptions, issued tokens and the rate
/// limit bucket. One lock around plain values; tests read and change it directly. The user OAuth
/// side (grants, codes, user tokens) is in `StandInState+Authorization.swift`.
public final class StandInState: Sendable {
    public let configuration: StandInConfiguration
    /// Internal, not private: the authorization extension works on the same lock.
    let store: NIOLockedValueBox<Store>

    struct Store {
        var usersByID: [String: StandInUser] = [:]
        var userIDsByLogin: [String: String] = [:]
        /// By user id.
        var streams: [String: StandInStream] = [:]
        /// In creation order.
        var subscriptions: [StandInSubscription] = []
        var nextSequence = 1
        /// App access token → Unix seconds at which it expires.
        var tokens: [String: Double] = [:]
        var tokensIssued = 0
        /// Authorization codes and user access/refresh tokens.
        var userTokens = UserTokenStore()
        /// Set by `_stand-in/oauth/auto-approve`: authorize requests are answered without a page.
        var autoApproval: AutoApproval?
        var bucket: TokenBucket
        /// Helix requests that passed authentication and the rate limit, by path.
        var helixRequests: [String: Int] = [:]
    }

    public init(configuration: StandInConfiguration) {
        self.configuration = configuration
        self.store = NIOLockedValueBox(Store(bucket: TokenBucket(capacity: configuration.rateLimitPointsPerMinute, now: wallClockSeconds())))
    }

    // MARK: Users

    /// Adds a user, or updates the display name, broadcaster type and authorization of an existing
    /// login. Without `id`, the id is derived from the login (see `StandInIdentifiers.userID`).
    /// `hasAuthorizedApp` true adds every scope the EventSub catalog uses to the grant (what the
    /// product's consent URL asks for), false removes the user's authorization (no revocations are
    /// sent; `disconnect` does what Twitch does), nil leaves it as it is.
    @discardableResult
    public func addUser(id: String? = nil, login: String, displayName: String? = nil, broadcasterType: String = "",
                        hasAuthorizedApp: Bool? = nil) throws(StandInInputError) -> StandInUser {
        let login = login.lowercased()
        guard StandInIdentifiers.isValidLogin(login) else { throw StandInInputError("login must be 1-25 of a-z, 0-9 and _") }
        if let id, !StandInIdentifiers.isValidUserID(id) { throw StandInInputError("id must be decimal digits") }
        guard ["", "affiliate", "partner"].contains(broadcasterType) else {
            throw StandInInputError("broadcaster_type must be \"\", affiliate or partner")
        }
        let result: Result<StandInUser, StandInInputError> = store.withLockedValue { store in
            if let existingID = store.userIDsByLogin[login], var user = store.usersByID[existingID] {
                if let id, id != existingID { return .failure(StandInInputError("login \(login) already has id \(existingID)")) }
                if let displayName { user.displayName = displayName }
                user.broadcasterType = broadcasterType
                if let hasAuthorizedApp {
                    if hasAuthorizedApp { user.grantedScopes.formUnion(OAuthScopes.eventSubScopes) } else { user.grantedScopes = [] }
                }
                store.usersByID[existingID] = user
                return .success(user)
            }
            if let id, let other = store.usersByID[id] { return .failure(StandInInputError("id \(id) already belongs to \(other.login)")) }
            let user = StandInUser(
                id: id ?? Self.freeDerivedID(login: login, in: store), login: login, displayName: displayName ?? login,
                broadcasterType: broadcasterType, grantedScopes: hasAuthorizedApp == true ? OAuthScopes.eventSubScopes : [],
                createdAt: Self.now())
            store.usersByID[user.id] = user
            store.userIDsByLogin[login] = user.id
            return .success(user)
        }
        return try result.get()
    }

    public func user(id: String) -> StandInUser? { store.withLockedValue { $0.usersByID[id] } }

    public func user(login: String) -> StandInUser? {
        store.withLockedValue { store in store.userIDsByLogin[login.lowercased()].flatMap { store.usersByID[$0] } }
    }

    /// Every user, by id.
    public var users: [StandInUser] { store.withLockedValue { $0.usersByID.values.sorted { $0.id < $1.id } } }

    /// `GET /helix/users`: known ids, then logins (unknown well-formed logins are created when the
    /// configuration says so); each user once.
    func lookUpUsers(ids: [String], logins: [String]) -> [StandInUser] {
        let createUnknown = configuration.createsUnknownLogins
        return store.withLockedValue { store in
            var found: [StandInUser] = []
            var seen: Set<String> = []
            for id in ids {
                if let user = store.usersByID[id], seen.insert(user.id).inserted { found.append(user) }
            }
            for rawLogin in logins {
                let login = rawLogin.lowercased()
                var user = store.userIDsByLogin[login].flatMap { store.usersByID[$0] }
                if user == nil, createUnknown, StandInIdentifiers.isValidLogin(login) {
                    let created = StandInUser(id: Self.freeDerivedID(login: login, in: store), login: login, displayName: login,
                                              broadcasterType: "", grantedScopes: [], createdAt: Self.now())
                    store.usersByID[created.id] = created
                    store.userIDsByLogin[login] = created.id
                    user = created
                }
                if let user, seen.insert(user.id).inserted { found.append(user) }
            }
            return found
        }
    }

    private static func freeDerivedID(login: String, in store: Store) -> String {
        var candidate = StandInIdentifiers.userID(forLogin: login)
        while store.usersByID[String(candidate)] != nil { candidate += 1 }
        return String(candidate)
    }

    // MARK: Streams

    /// Puts a known user live, or updates their live stream (same stream id and start time).
    @discardableResult
    public func setLive(userID: String, title: String = "", gameID: String = "", gameName: String = "", viewerCount: Int = 0,
                        language: String = "en", tags: [String] = []) throws(StandInInputError) -> StandInStream {
        let result: Result<StandInStream, StandInInputError> = store.withLockedValue { store in
            guard store.usersByID[userID] != nil else { return .failure(StandInInputError("unknown user id \(userID)")) }
            let previous = store.streams[userID]
            let stream = StandInStream(
                id: previous?.id ?? StandInIdentifiers.streamID(), userID: userID, title: title, gameID: gameID, gameName: gameName,
                viewerCount: max(0, viewerCount), language: language, tags: tags, startedAt: previous?.startedAt ?? Self.now())
            store.streams[userID] = stream
            return .success(stream)
        }
        return try result.get()
    }

    /// Ends a user's stream; false if they were not live.
    @discardableResult
    public func setOffline(userID: String) -> Bool {
        store.withLockedValue { $0.streams.removeValue(forKey: userID) != nil }
    }

    public var liveStreams: [StandInStream] { store.withLockedValue { Array($0.streams.values) } }

    /// Live streams in Twitch's order (most viewers first), restricted to `userIDs` when given,
    /// with each stream's user.
    func orderedStreams(userIDs: Set<String>?) -> [(StandInStream, StandInUser)] {
        store.withLockedValue { store in
            store.streams.values
                .filter { userIDs?.contains($0.userID) ?? true }
                .compactMap { stream in store.usersByID[stream.userID].map { (stream, $0) } }
                .sorted { $0.0.viewerCount != $1.0.viewerCount ? $0.0.viewerCount > $1.0.viewerCount : $0.0.userID < $1.0.userID }
        }
    }

    // MARK: Tokens and rate limit

    /// A new app access token valid for the configured lifetime.
    func issueToken() -> String {
        let token = StandInIdentifiers.accessToken()
        let now = wallClockSeconds()
        let lifetime = Double(configuration.tokenLifetimeSeconds)
        store.withLockedValue { store in
            store.tokens = store.tokens.filter { $0.value > now }
            store.tokens[token] = now + lifetime
            store.tokensIssued += 1
        }
        return token
    }

    /// How many app access tokens `POST /oauth2/token` has issued.
    public var tokensIssued: Int { store.withLockedValue { $0.tokensIssued } }

    /// Invalidates every issued token, app and user ones (as if Twitch revoked them): the next
    /// Helix call gets 401.
    public func revokeAllTokens() {
        let now = wallClockSeconds()
        store.withLockedValue { store in
            store.tokens.removeAll()
            store.userTokens.revokeEverything(now: now)
        }
    }

    /// Takes a point for one Helix request; returns whether it may proceed and the headers to send.
    func takeRatePoint() -> (allowed: Bool, headers: [(String, String)]) {
        let now = wallClockSeconds()
        return store.withLockedValue { store in
            let allowed = store.bucket.take(now: now)
            return (allowed, store.bucket.headers(now: now))
        }
    }

    /// The current headers without taking a point (401 answers).
    func rateHeaders() -> [(String, String)] {
        let now = wallClockSeconds()
        return store.withLockedValue { $0.bucket.headers(now: now) }
    }

    func countHelixRequest(path: String) {
        store.withLockedValue { $0.helixRequests[path, default: 0] += 1 }
    }

    /// How many authenticated, not rate-limited Helix requests `path` (e.g. `/helix/streams`) has
    /// served: tests check batching and paging with it.
    public func helixRequestCount(path: String) -> Int {
        store.withLockedValue { $0.helixRequests[path] ?? 0 }
    }

    // MARK: Subscriptions

    enum CreateOutcome {
        case created(StandInSubscription)
        case missingAuthorization
        case conflict
        case overCostLimit
    }

    func createSubscription(type: String, version: String, condition: [String: String], callback: String, secret: String) -> CreateOutcome {
        let maximumCost = configuration.maximumTotalCost
        let requiredGrants = SubscriptionCatalog.requiredGrants(type: type, condition: condition)
        return store.withLockedValue { store in
            // Checked under the same lock as the insert, so a disconnect cannot slip in between.
            for (userID, scopes) in requiredGrants {
                guard let granted = store.usersByID[userID]?.grantedScopes, scopes.isSubset(of: granted) else {
                    return .missingAuthorization
                }
            }
            if store.subscriptions.contains(where: { $0.isLive && $0.type == type && $0.version == version && $0.condition == condition }) {
                return .conflict
            }
            let authorized = condition.contains { key, value in key.hasSuffix("user_id") && store.usersByID[value]?.hasAuthorizedApp == true }
            let cost = authorized ? 0 : 1
            if Self.totalCost(store) + cost > maximumCost { return .overCostLimit }
            let subscription = StandInSubscription(
                id: StandInIdentifiers.uuid(), status: "webhook_callback_verification_pending", type: type, version: version,
                condition: condition, callback: callback, secret: secret, cost: cost, createdAt: Self.now(), sequence: store.nextSequence)
            store.nextSequence += 1
            store.subscriptions.append(subscription)
            return .created(subscription)
        }
    }

    /// What one page of `GET /helix/eventsub/subscriptions` holds.
    struct SubscriptionPage {
        let subscriptions: [StandInSubscription]
        /// Sequence number to continue after, nil on the last page.
        let nextAfter: Int?
        let total: Int
        let totalCost: Int
    }

    func subscriptionPage(matching include: (StandInSubscription) -> Bool, after: Int, pageSize: Int) -> SubscriptionPage {
        store.withLockedValue { store in
            let remaining = store.subscriptions.filter { $0.sequence > after && include($0) }
            let page = Array(remaining.prefix(pageSize))
            let nextAfter = remaining.count > page.count ? page.last?.sequence : nil
            return SubscriptionPage(subscriptions: page, nextAfter: nextAfter, total: store.subscriptions.count, totalCost: Self.totalCost(store))
        }
    }

    /// Total and cost over every subscription (Twitch reports them unfiltered).
    func subscriptionTotals() -> (total: Int, totalCost: Int) {
        store.withLockedValue { ($0.subscriptions.count, Self.totalCost($0)) }
    }

    /// Only subscriptions that can still deliver (enabled or pending) count against the limit.
    private static func totalCost(_ store: Store) -> Int {
        store.subscriptions.reduce(0) { $0 + ($1.isLive ? $1.cost : 0) }
    }

    @discardableResult
    func deleteSubscription(id: String) -> Bool {
        store.withLockedValue { store in
            guard let index = store.subscriptions.firstIndex(where: { $0.id == id }) else { return false }
            store.subscriptions.remove(at: index)
            return true
        }
    }

    /// Sets a subscription's status; with `onlyFrom`, only if it currently has that status (the
    /// challenge result must not overwrite a revocation that happened meanwhile).
    @discardableResult
    func setStatus(id: String, to status: String, onlyFrom: String? = nil) -> StandInSubscription? {
        store.withLockedValue { store in
            guard let index = store.subscriptions.firstIndex(where: { $0.id == id }) else { return nil }
            if let onlyFrom, store.subscriptions[index].status != onlyFrom { return nil }
            store.subscriptions[index].status = status
            return store.subscriptions[index]
        }
    }

    public var subscriptions: [StandInSubscription] { store.withLockedValue { $0.subscriptions } }

    public func subscription(id: String) -> StandInSubscription? {
        store.withLockedValue { $0.subscriptions.first { $0.id == id } }
    }

    /// Enabled subscriptions of `type`/`version` whose condition fits the event: every condition
    /// field the event also carries has the same value (`moderator_user_id` of channel.follow, for
    /// instance, is not in the event and is not compared).
    func enabledSubscriptions(type: String, version: String, event: JSONValue) -> [StandInSubscription] {
        store.withLockedValue { store in
            store.subscriptions.filter { subscription in
                subscription.status == "enabled" && subscription.type == type && subscription.version == version
                    && subscription.condition.allSatisfy { key, value in
                        guard let field = event[key], !field.isNull else { return true }
                        return field.stringValue == value
                    }
            }
        }
    }

    static func now() -> String { RFC3339.format(unixSeconds: wallClockSeconds()) }
}
