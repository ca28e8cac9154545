public import JSONValue
import NIOConcurrencyHelpers

/// A refused control input (unknown channel, bad handle).
public struct YouTubeStandInInputError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Everything the stand-in knows: channels, videos, hub subscriptions and what the hub sent,
/// and the quota used. One lock around plain values; tests read and change it directly.
public final class YouTubeStandInState: Sendable {
    public let configuration: YouTubeStandInConfiguration
    let store: NIOLockedValueBox<Store>

    struct Store {
        var channels: [YouTubeChannel] = []
        var videos: [YouTubeVideo] = []
        var subscriptions: [HubSubscription] = []
        var verifications: [HubVerification] = []
        var deliveries: [HubDelivery] = []
        var quota = QuotaLedger()
        var dailyLimit: Int
        /// Data API requests by method (`videos`, `channels`), counted whatever the outcome.
        var requests: [String: Int] = [:]
    }

    public init(configuration: YouTubeStandInConfiguration) {
        self.configuration = configuration
        self.store = NIOLockedValueBox(Store(dailyLimit: configuration.dailyQuota))
    }

    public var now: Double { configuration.clock.now() }

    // MARK: Channels

    /// Adds a channel. Without `id` a random `UC…` id is drawn; the handle (with or without `@`)
    /// must be free.
    @discardableResult
    public func addChannel(id: String? = nil, handle: String, title: String, description: String = "", username: String? = nil)
        throws(YouTubeStandInInputError) -> YouTubeChannel
    {
        let handle = handle.hasPrefix("@") ? String(handle.dropFirst()) : handle
        guard YouTubeIdentifiers.isHandle(handle) else { throw YouTubeStandInInputError("handle must be 3-30 of letters, digits, _, - and .") }
        if let id, !YouTubeIdentifiers.isChannelID(id) { throw YouTubeStandInInputError("id must be UC followed by 22 of [A-Za-z0-9_-]") }
        guard !title.isEmpty else { throw YouTubeStandInInputError("title is required") }
        let now = self.now
        let result: Result<YouTubeChannel, YouTubeStandInInputError> = store.withLockedValue { store in
            if store.channels.contains(where: { $0.handle.lowercased() == handle.lowercased() }) {
                return .failure(YouTubeStandInInputError("handle @\(handle) is taken"))
            }
            var channelID = id ?? YouTubeIdentifiers.channelID()
            if id == nil { while store.channels.contains(where: { $0.id == channelID }) { channelID = YouTubeIdentifiers.channelID() } }
            if store.channels.contains(where: { $0.id == channelID }) { return .failure(YouTubeStandInInputError("channel \(channelID) exists")) }
            let channel = YouTubeChannel(id: channelID, handle: handle, title: title, description: description, username: username, publishedAt: now)
            store.channels.append(channel)
            return .success(channel)
        }
        return try result.get()
    }

    public func channel(id: String) -> YouTubeChannel? { store.withLockedValue { $0.channels.first { $0.id == id } } }

    /// By handle, with or without `@`, case-insensitively (as `forHandle`).
    public func channel(handle: String) -> YouTubeChannel? {
        let wanted = (handle.hasPrefix("@") ? String(handle.dropFirst()) : handle).lowercased()
        return store.withLockedValue { $0.channels.first { $0.handle.lowercased() == wanted } }
    }

    public func channel(username: String) -> YouTubeChannel? {
        store.withLockedValue { $0.channels.first { $0.username?.lowercased() == username.lowercased() } }
    }

    public var channels: [YouTubeChannel] { store.withLockedValue { $0.channels } }

    // MARK: Videos

    /// Adds a video: an upload, or a broadcast that is upcoming (`scheduledStartTime`) or live now.
    func addVideo(channelID: String, id: String?, title: String, description: String, live: Bool, scheduledStartTime: Double?,
                  concurrentViewers: Int?) throws(YouTubeStandInInputError) -> YouTubeVideo
    {
        if let id, !YouTubeIdentifiers.isVideoID(id) { throw YouTubeStandInInputError("id must be 11 of [A-Za-z0-9_-]") }
        let now = self.now
        let result: Result<YouTubeVideo, YouTubeStandInInputError> = store.withLockedValue { store in
            guard store.channels.contains(where: { $0.id == channelID }) else { return .failure(YouTubeStandInInputError("unknown channel \(channelID)")) }
            var videoID = id ?? YouTubeIdentifiers.videoID()
            if id == nil { while store.videos.contains(where: { $0.id == videoID }) { videoID = YouTubeIdentifiers.videoID() } }
            if store.videos.contains(where: { $0.id == videoID }) { return .failure(YouTubeStandInInputError("video \(videoID) exists")) }
            var broadcast: YouTubeVideo.Broadcast?
            if live {
                broadcast = .init(scheduledStartTime: scheduledStartTime ?? now, actualStartTime: now, concurrentViewers: concurrentViewers ?? 0,
                                  activeLiveChatID: YouTubeIdentifiers.liveChatID())
            } else if let scheduledStartTime {
                broadcast = .init(scheduledStartTime: scheduledStartTime)
            }
            let video = YouTubeVideo(id: videoID, channelID: channelID, title: title, description: description, publishedAt: now, updatedAt: now,
                                     broadcast: broadcast)
            store.videos.append(video)
            return .success(video)
        }
        return try result.get()
    }

    /// Changes a video under the lock; returns the changed video.
    func updateVideo(id: String, _ change: (inout YouTubeVideo, Double) throws(YouTubeStandInInputError) -> Void)
        throws(YouTubeStandInInputError) -> YouTubeVideo
    {
        let now = self.now
        let result: Result<YouTubeVideo, YouTubeStandInInputError> = store.withLockedValue { store in
            guard let index = store.videos.firstIndex(where: { $0.id == id }) else { return .failure(YouTubeStandInInputError("unknown video \(id)")) }
            do throws(YouTubeStandInInputError) {
                try change(&store.videos[index], now)
            } catch {
                return .failure(error)
            }
            return .success(store.videos[index])
        }
        return try result.get()
    }

    func removeVideo(id: String) throws(YouTubeStandInInputError) -> YouTubeVideo {
        let removed: YouTubeVideo? = store.withLockedValue { store in
            guard let index = store.videos.firstIndex(where: { $0.id == id }) else { return nil }
            return store.videos.remove(at: index)
        }
        guard let removed else { throw YouTubeStandInInputError("unknown video \(id)") }
        return removed
    }

    public func video(id: String) -> YouTubeVideo? { store.withLockedValue { $0.videos.first { $0.id == id } } }

    public var videos: [YouTubeVideo] { store.withLockedValue { $0.videos } }

    public var liveVideos: [YouTubeVideo] { videos.filter(\.isLive) }

    // MARK: Quota

    /// Charges `cost` units to `key` for today's Pacific date; false when over the limit.
    func charge(key: String, cost: Int, method: String) -> Bool {
        let day = PacificDay.date(at: now)
        return store.withLockedValue { store in
            store.requests[method, default: 0] += 1
            return store.quota.charge(key: key, day: day, cost: cost, limit: store.dailyLimit)
        }
    }

    /// Units `key` used today (Pacific time).
    public func quotaUsed(key: String = YouTubeStandInConfiguration.defaultAPIKey) -> Int {
        let day = PacificDay.date(at: now)
        return store.withLockedValue { $0.quota.used(key: key, day: day) }
    }

    /// Sets today's used units of `key` (to test the budget without thousands of calls).
    public func setQuotaUsed(_ units: Int, key: String = YouTubeStandInConfiguration.defaultAPIKey) {
        let day = PacificDay.date(at: now)
        store.withLockedValue { $0.quota.set(key: key, day: day, units: units) }
    }

    public var dailyLimit: Int {
        get { store.withLockedValue { $0.dailyLimit } }
    }

    public func setDailyLimit(_ units: Int) { store.withLockedValue { $0.dailyLimit = max(0, units) } }

    /// Data API requests received for `method` (`videos`, `channels`), charged or not.
    public func requestCount(method: String) -> Int { store.withLockedValue { $0.requests[method] ?? 0 } }

    var quotaJSON: JSONValue {
        let day = PacificDay.date(at: now)
        return store.withLockedValue { store in
            var used: [String: JSONValue] = [:]
            for key in Set(store.quota.keys + configuration.apiKeys) { used[key] = .int(Int64(store.quota.used(key: key, day: day))) }
            return [
                "day": .string(day), "daily_limit": .int(Int64(store.dailyLimit)), "used": .object(used),
                "requests": .object(store.requests.mapValues { .int(Int64($0)) }),
            ]
        }
    }

    // MARK: Hub

    /// Replaces the subscription of (callback, topic) once verified.
    func activate(_ subscription: HubSubscription) {
        store.withLockedValue { store in
            store.subscriptions.removeAll { $0.callback == subscription.callback && $0.topic == subscription.topic }
            store.subscriptions.append(subscription)
        }
    }

    @discardableResult
    func removeSubscription(callback: String, topic: String) -> Bool {
        store.withLockedValue { store in
            let before = store.subscriptions.count
            store.subscriptions.removeAll { $0.callback == callback && $0.topic == topic }
            return store.subscriptions.count != before
        }
    }

    func hasSubscription(callback: String, topic: String) -> Bool {
        store.withLockedValue { $0.subscriptions.contains { $0.callback == callback && $0.topic == topic } }
    }

    /// Every subscription, expired ones included (they stay listed, inactive).
    public var subscriptions: [HubSubscription] { store.withLockedValue { $0.subscriptions } }

    /// Subscriptions whose lease is running.
    public var activeSubscriptions: [HubSubscription] {
        let now = self.now
        return subscriptions.filter { $0.isActive(at: now) }
    }

    func activeSubscriptions(channelID: String) -> [HubSubscription] { activeSubscriptions.filter { $0.channelID == channelID } }

    func record(_ verification: HubVerification) { store.withLockedValue { $0.verifications.append(verification) } }

    public var verifications: [HubVerification] { store.withLockedValue { $0.verifications } }

    func startDelivery(callback: String, topic: String, kind: String, videoID: String?, signature: String?, bodyBytes: Int) -> Int {
        store.withLockedValue { store in
            let id = store.deliveries.count + 1
            store.deliveries.append(HubDelivery(id: id, callback: callback, topic: topic, kind: kind, videoID: videoID, signature: signature,
                                                bodyBytes: bodyBytes, attempts: [], outcome: "pending"))
            return id
        }
    }

    func recordAttempt(delivery id: Int, _ attempt: HubDelivery.Attempt, outcome: String) {
        store.withLockedValue { store in
            guard let index = store.deliveries.firstIndex(where: { $0.id == id }) else { return }
            store.deliveries[index].attempts.append(attempt)
            store.deliveries[index].outcome = outcome
        }
    }

    public var deliveries: [HubDelivery] { store.withLockedValue { $0.deliveries } }

    public func delivery(id: Int) -> HubDelivery? { store.withLockedValue { $0.deliveries.first { $0.id == id } } }
}
