/// Every page of `GET /helix/eventsub/subscriptions`, with the totals of the last page read.
public struct HelixSubscriptionList: Sendable, Equatable {
    public let subscriptions: [HelixSubscription]
    /// Number of subscriptions the client id has (all of them, not just the filtered ones).
    public let total: Int
    /// Sum of the costs that count against the limit.
    public let totalCost: Int
    /// The limit (10 000 by default).
    public let maxTotalCost: Int

    public init(subscriptions: [HelixSubscription], total: Int, totalCost: Int, maxTotalCost: Int) {
        self.subscriptions = subscriptions
        self.total = total
        self.totalCost = totalCost
        self.maxTotalCost = maxTotalCost
    }
}
