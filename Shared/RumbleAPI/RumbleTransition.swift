/// What the status job remembers about a Rumble channel between polls: its live streams by id.
public struct RumbleChannelState: Sendable, Equatable, Codable {
    public struct LiveStream: Sendable, Equatable, Codable {
        public var id: String
        public var title: String
        public var createdOn: String?
        public var watchingNow: Int?

        public init(id: String, title: String, createdOn: String?, watchingNow: Int?) {
            self.id = id
            self.title = title
            self.createdOn = createdOn
            self.watchingNow = watchingNow
        }
    }

    /// Sorted by id, so equal states compare equal.
    public var live: [LiveStream]

    public init(live: [LiveStream] = []) {
        self.live = live.sorted { $0.id < $1.id }
    }

    public static let offline = RumbleChannelState()

    public var isLive: Bool { !live.isEmpty }
}

/// A change the poller turns into an event.
public enum RumbleChange: Sendable, Equatable {
    /// `stream.online`.
    case online(RumbleChannelState.LiveStream)
    /// `stream.offline`.
    case offline(streamID: String)
    /// The viewer count (`watching_now`) or the title of a stream that stays live changed.
    case updated(RumbleChannelState.LiveStream)
}

/// Previous state + fetched data → new state and the changes between them. Pure, so the poller is
/// fetch, `evaluate`, store, publish. A stream is live while it is listed with `is_live`; a stream
/// that is listed as not live or has vanished from the list has ended. A failed fetch is not an
/// observation: the poller keeps the previous state and calls nothing here.
public enum RumbleTransition {
    public static func evaluate(previous: RumbleChannelState, fetched: RumbleLivestreamData) -> (state: RumbleChannelState, changes: [RumbleChange]) {
        let before = Dictionary(previous.live.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var now: [String: RumbleChannelState.LiveStream] = [:]
        for stream in fetched.live where now[stream.id] == nil {
            now[stream.id] = RumbleChannelState.LiveStream(id: stream.id, title: stream.title, createdOn: stream.createdOn, watchingNow: stream.watchingNow)
        }
        var changes: [RumbleChange] = []
        for id in before.keys.sorted() where now[id] == nil { changes.append(.offline(streamID: id)) }
        for id in now.keys.sorted() {
            let stream = now[id]!
            if let old = before[id] {
                if old.watchingNow != stream.watchingNow || old.title != stream.title { changes.append(.updated(stream)) }
            } else {
                changes.append(.online(stream))
            }
        }
        return (RumbleChannelState(live: Array(now.values)), changes)
    }
}
