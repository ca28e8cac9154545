/// A channel's `websub_subscriptions` row as the plan reads it (times as Unix seconds).
public struct WebSubLeaseRow: Sendable, Equatable {
    public let channelID: String
    /// `requested`, `verified`, `denied` or `unsubscribing` (migration 12).
    public let status: String
    public let leaseSeconds: Int?
    public let leaseExpiresAt: Double?
    /// When the last (un)subscribe request was sent.
    public let requestedAt: Double
    public let updatedAt: Double

    public init(channelID: String, status: String, leaseSeconds: Int?, leaseExpiresAt: Double?, requestedAt: Double, updatedAt: Double) {
        self.channelID = channelID
        self.status = status
        self.leaseSeconds = leaseSeconds
        self.leaseExpiresAt = leaseExpiresAt
        self.requestedAt = requestedAt
        self.updatedAt = updatedAt
    }
}

/// What the renewal job does for each channel: the tracked YouTube channels against the leases.
/// Pure, so every rule is a table.
public enum SubscriptionPlan {
    public struct Options: Sendable {
        /// A request the hub has not verified by then (or an unsubscribe it has not confirmed) is sent again.
        public var verificationTimeoutSeconds: Double
        /// A denied subscription of a tracked channel is asked for again after this long.
        public var deniedRetrySeconds: Double
        /// Renew when the lease has less than `renewalShare` of itself left, but at least
        /// `minimumRenewalMarginSeconds` and at most `maximumRenewalMarginSeconds` (and never more
        /// than half the lease): a 5-day lease renews 12 hours before it ends.
        public var renewalShare: Double
        public var minimumRenewalMarginSeconds: Double
        public var maximumRenewalMarginSeconds: Double

        public init(verificationTimeoutSeconds: Double = 900, deniedRetrySeconds: Double = 3_600, renewalShare: Double = 0.1,
                    minimumRenewalMarginSeconds: Double = 3_600, maximumRenewalMarginSeconds: Double = 86_400) {
            self.verificationTimeoutSeconds = verificationTimeoutSeconds
            self.deniedRetrySeconds = deniedRetrySeconds
            self.renewalShare = renewalShare
            self.minimumRenewalMarginSeconds = minimumRenewalMarginSeconds
            self.maximumRenewalMarginSeconds = maximumRenewalMarginSeconds
        }

        public func renewalMargin(leaseSeconds: Int) -> Double {
            let lease = Double(leaseSeconds)
            return min(lease / 2, min(maximumRenewalMarginSeconds, max(minimumRenewalMarginSeconds, lease * renewalShare)))
        }
    }

    public enum Action: Sendable, Equatable {
        case subscribe(channelID: String, reason: String)
        case unsubscribe(channelID: String, reason: String)
        /// A denied row of a channel nobody tracks: there is nothing at the hub to undo.
        case forget(channelID: String)

        public var channelID: String {
            switch self {
            case .subscribe(let id, _), .unsubscribe(let id, _), .forget(let id): return id
            }
        }
    }

    public static func actions(tracked: Set<String>, rows: [WebSubLeaseRow], now: Double, options: Options = Options()) -> [Action] {
        var actions: [Action] = []
        var rowsByChannel: [String: WebSubLeaseRow] = [:]
        for row in rows { rowsByChannel[row.channelID] = row }
        for channel in tracked.sorted() {
            guard let row = rowsByChannel[channel] else {
                actions.append(.subscribe(channelID: channel, reason: "new"))
                continue
            }
            switch row.status {
            case "verified":
                guard let expires = row.leaseExpiresAt, let lease = row.leaseSeconds else {
                    actions.append(.subscribe(channelID: channel, reason: "lease unknown"))
                    continue
                }
                if expires - now <= options.renewalMargin(leaseSeconds: lease) {
                    actions.append(.subscribe(channelID: channel, reason: expires <= now ? "lease expired" : "lease ends soon"))
                }
            case "requested":
                if now - row.requestedAt >= options.verificationTimeoutSeconds {
                    actions.append(.subscribe(channelID: channel, reason: "not verified in time"))
                }
            case "denied":
                if now - row.updatedAt >= options.deniedRetrySeconds {
                    actions.append(.subscribe(channelID: channel, reason: "denied earlier"))
                }
            default:
                // `unsubscribing` a channel someone tracks again.
                actions.append(.subscribe(channelID: channel, reason: "tracked again"))
            }
        }
        for row in rows.sorted(by: { $0.channelID < $1.channelID }) where !tracked.contains(row.channelID) {
            switch row.status {
            case "denied":
                actions.append(.forget(channelID: row.channelID))
            case "unsubscribing":
                if now - row.requestedAt >= options.verificationTimeoutSeconds {
                    actions.append(.unsubscribe(channelID: row.channelID, reason: "not confirmed in time"))
                }
            default:
                actions.append(.unsubscribe(channelID: row.channelID, reason: "no longer tracked"))
            }
        }
        return actions
    }
}
