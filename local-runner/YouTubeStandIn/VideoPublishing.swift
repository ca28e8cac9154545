/// The Swift control API for videos (what the `/_stand-in/videos` endpoints call): each change
/// to state, then the pushes YouTube would send for it.
extension YouTubeStandInServer {
    /// A published video and the ids of the deliveries it started.
    public struct Published: Sendable {
        public let video: YouTubeVideo
        public let deliveryIDs: [Int]
    }

    /// Publishes a video (an upload; with `live`, a broadcast live now; with a
    /// `scheduledStartTime`, an upcoming one) and, with `notify`, pushes its entry.
    @discardableResult
    public func publishVideo(channelID: String, title: String, description: String = "", id: String? = nil, live: Bool = false,
                             scheduledStartTime: Double? = nil, concurrentViewers: Int? = nil, notify: Bool = true)
        throws(YouTubeStandInInputError) -> Published
    {
        let video = try state.addVideo(channelID: channelID, id: id, title: title, description: description, live: live,
                                       scheduledStartTime: scheduledStartTime, concurrentViewers: concurrentViewers)
        return Published(video: video, deliveryIDs: notify ? pushEntry(video) : [])
    }

    /// A channel goes live: a new broadcast, live now, pushed like an upload.
    @discardableResult
    public func goLive(channelID: String, title: String, concurrentViewers: Int = 0) throws(YouTubeStandInInputError) -> Published {
        try publishVideo(channelID: channelID, title: title, live: true, concurrentViewers: concurrentViewers)
    }

    /// An upcoming broadcast starts (YouTube pushes nothing for that; `notify` pushes anyway).
    @discardableResult
    public func startBroadcast(videoID: String, concurrentViewers: Int = 0, notify: Bool = false) throws(YouTubeStandInInputError) -> Published {
        let video = try state.updateVideo(id: videoID) { (video: inout YouTubeVideo, now: Double) throws(YouTubeStandInInputError) in
            var broadcast = video.broadcast ?? .init(scheduledStartTime: now)
            guard broadcast.actualEndTime == nil else { throw YouTubeStandInInputError("the broadcast of \(videoID) has ended") }
            if broadcast.actualStartTime == nil { broadcast.actualStartTime = now }
            broadcast.concurrentViewers = concurrentViewers
            broadcast.activeLiveChatID = broadcast.activeLiveChatID ?? YouTubeIdentifiers.liveChatID()
            video.broadcast = broadcast
        }
        return Published(video: video, deliveryIDs: notify ? pushEntry(video) : [])
    }

    /// A live broadcast ends: `actualEndTime` set, viewers and chat gone.
    @discardableResult
    public func endBroadcast(videoID: String, notify: Bool = false) throws(YouTubeStandInInputError) -> Published {
        let video = try state.updateVideo(id: videoID) { (video: inout YouTubeVideo, now: Double) throws(YouTubeStandInInputError) in
            guard var broadcast = video.broadcast, broadcast.actualStartTime != nil, broadcast.actualEndTime == nil else {
                throw YouTubeStandInInputError("\(videoID) is not live")
            }
            broadcast.actualEndTime = now
            broadcast.concurrentViewers = nil
            broadcast.activeLiveChatID = nil
            video.broadcast = broadcast
        }
        return Published(video: video, deliveryIDs: notify ? pushEntry(video) : [])
    }

    /// Ends every live broadcast of the channel; returns the ended videos.
    @discardableResult
    public func endLive(channelID: String) throws(YouTubeStandInInputError) -> [YouTubeVideo] {
        guard state.channel(id: channelID) != nil else { throw YouTubeStandInInputError("unknown channel \(channelID)") }
        var ended: [YouTubeVideo] = []
        for video in state.liveVideos where video.channelID == channelID {
            ended.append(try endBroadcast(videoID: video.id).video)
        }
        return ended
    }

    @discardableResult
    public func setConcurrentViewers(videoID: String, _ viewers: Int) throws(YouTubeStandInInputError) -> YouTubeVideo {
        guard viewers >= 0 else { throw YouTubeStandInInputError("concurrent_viewers must not be negative") }
        return try state.updateVideo(id: videoID) { (video: inout YouTubeVideo, _: Double) throws(YouTubeStandInInputError) in
            guard video.isLive else { throw YouTubeStandInInputError("\(videoID) is not live") }
            video.broadcast?.concurrentViewers = viewers
        }
    }

    /// A title or description change, pushed like YouTube pushes edits (as a fresh entry).
    @discardableResult
    public func updateVideo(videoID: String, title: String? = nil, description: String? = nil, notify: Bool = true)
        throws(YouTubeStandInInputError) -> Published
    {
        let video = try state.updateVideo(id: videoID) { (video: inout YouTubeVideo, now: Double) throws(YouTubeStandInInputError) in
            if let title { video.title = title }
            if let description { video.description = description }
            video.updatedAt = now
        }
        return Published(video: video, deliveryIDs: notify ? pushEntry(video) : [])
    }

    /// Deletes a video; with `notify`, pushes the `at:deleted-entry` tombstone.
    @discardableResult
    public func deleteVideo(videoID: String, notify: Bool = true) throws(YouTubeStandInInputError) -> Published {
        let video = try state.removeVideo(id: videoID)
        guard notify, let channel = state.channel(id: video.channelID) else { return Published(video: video, deliveryIDs: []) }
        let hubURL = configuration.advertisedHubURL
        let now = state.now
        let ids = distribute(Distribution(kind: "deleted-entry", videoID: video.id) { subscription in
            AtomFeed.deletedEntry(videoID: video.id, channel: channel, topic: subscription.topic, hubURL: hubURL, now: now)
        }, channelID: video.channelID)
        return Published(video: video, deliveryIDs: ids)
    }

    /// Pushes the video's entry to the channel's active subscribers (retries in the background).
    @discardableResult
    public func pushEntry(_ video: YouTubeVideo) -> [Int] {
        guard let channel = state.channel(id: video.channelID) else { return [] }
        let hubURL = configuration.advertisedHubURL
        let now = state.now
        return distribute(Distribution(kind: "entry", videoID: video.id) { subscription in
            AtomFeed.entry(video: video, channel: channel, topic: subscription.topic, hubURL: hubURL, now: now)
        }, channelID: video.channelID)
    }

    /// Sends a body no real hub should send (see `HostileFeed`) once to every active subscriber
    /// of the channel, or to `callback` (signed with its subscription for the channel, else with
    /// `secret`), and returns the deliveries once the callbacks have answered.
    public func deliverHostile(_ kind: HostileFeed, channelID: String, callback: String? = nil, secret: String? = nil) async
        throws(YouTubeStandInInputError) -> [HubDelivery]
    {
        guard let channel = state.channel(id: channelID) else { throw YouTubeStandInInputError("unknown channel \(channelID)") }
        var targets = state.activeSubscriptions(channelID: channelID)
        if let callback {
            guard SubscriptionRequest.isValidURL(callback) else { throw YouTubeStandInInputError("callback must be an http(s) URL") }
            targets = [targets.first { $0.callback == callback }
                ?? HubSubscription(callback: callback, topic: channel.topic, channelID: channelID, secret: secret, leaseSeconds: 1, verifiedAt: state.now)]
        }
        guard !targets.isEmpty else { throw YouTubeStandInInputError("no active subscription for \(channelID); give a callback") }
        let hubURL = configuration.advertisedHubURL
        let now = state.now
        let distribution = Distribution(kind: kind.rawValue, videoID: nil, body: { subscription in
            kind.body(channelID: channelID, topic: subscription.topic, hubURL: hubURL, now: now)
        }, signingSecret: { subscription in
            switch kind {
            case .unsigned: return nil
            case .badSignature: return HostileFeed.wrongSecret
            default: return subscription.secret
            }
        })
        let ids = targets.map { deliver(distribution, to: $0, attempts: 1) }
        await waitForDeliveries(ids)
        return ids.compactMap { state.delivery(id: $0) }
    }

    /// Waits until the deliveries are no longer pending (bounded by the callback timeout and
    /// the retry schedule).
    public func waitForDeliveries(_ ids: [Int]) async {
        let budget = Double(configuration.callbackTimeoutSeconds + 1) * Double(configuration.deliveryAttempts)
            + configuration.deliveryRetrySeconds * Double(1 << min(configuration.deliveryAttempts, 16))
        let deadline = ContinuousClock.now + .milliseconds(Int(budget * 1000))
        while ids.contains(where: { state.delivery(id: $0)?.outcome == "pending" }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
