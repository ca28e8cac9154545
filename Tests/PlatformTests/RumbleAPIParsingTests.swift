import JSONValue
import RumbleAPI
import Settings
import Testing

/// The Live Stream API's JSON, the key URL, and the pure transition function.
@Suite struct RumbleAPIParsingTests {
    /// The shape documented by Rumble's help page and the cocorum wrapper, with made-up values
    /// (and a `stream_key`, which some examples carry and which must never be read or logged).
    static let example = """
        {"now": 1717000000, "type": "channel", "user_id": "u1a2b3", "username": "streamer", "channel_id": 123456,
         "channel_name": "StreamerChannel", "since": null, "max_num_results": 50,
         "followers": {"num_followers": 10, "num_followers_total": 12, "latest_follower": null, "recent_followers": []},
         "livestreams": [
           {"id": "5abc12", "title": "Live now", "created_on": "2024-05-29T15:00:00+00:00", "is_live": true,
            "visibility": "public", "categories": {"primary": {"slug": "gaming", "title": "Gaming"}, "secondary": null},
            "likes": 4, "dislikes": 0, "watching_now": 321, "stream_key": "secret-stream-key",
            "chat": {"latest_message": null, "recent_messages": [], "latest_rant": null, "recent_rants": []}},
           {"id": 778899, "title": "Scheduled", "created_on": "2024-05-29T16:00:00+00:00", "is_live": false}
         ]}
        """

    @Test func theDocumentedShapeParses() throws {
        let data = try RumbleLivestreamData(json: try JSONParser.parse(Self.example))
        #expect(data.type == "channel")
        #expect(data.userID == "u1a2b3")
        #expect(data.channelID == "123456")
        #expect(data.channelName == "StreamerChannel")
        #expect(data.livestreams == [
            RumbleLivestream(id: "5abc12", title: "Live now", createdOn: "2024-05-29T15:00:00+00:00", isLive: true, watchingNow: 321,
                             likes: 4, dislikes: 0, category: "Gaming"),
            RumbleLivestream(id: "778899", title: "Scheduled", createdOn: "2024-05-29T16:00:00+00:00", isLive: false, watchingNow: nil),
        ])
        #expect(data.live.map(\.id) == ["5abc12"])
    }

    @Test func optionalFieldsMayBeMissingRequiredOnesMayNot() throws {
        let minimal = try RumbleLivestreamData(json: try JSONParser.parse(#"{"livestreams": [{"id": "a1", "is_live": 1}]}"#))
        #expect(minimal.livestreams == [RumbleLivestream(id: "a1", title: "", createdOn: nil, isLive: true, watchingNow: nil)])
        #expect(try RumbleLivestreamData(json: try JSONParser.parse(#"{"livestreams": []}"#)).livestreams.isEmpty)
        // Strings for counts, negative or odd values ignored.
        let loose = try RumbleLivestreamData(json: try JSONParser.parse(#"{"livestreams": [{"id": "b", "is_live": true, "watching_now": "17", "likes": -1, "title": 5}]}"#))
        #expect(loose.livestreams.first?.watchingNow == 17)
        #expect(loose.livestreams.first?.likes == nil)
        #expect(loose.livestreams.first?.title == "")

        let refusals: [(String, RumbleError)] = [
            (#"{"followers": {}}"#, .invalidResponse("livestreams array missing")),
            (#"{"livestreams": {"id": "x"}}"#, .invalidResponse("livestreams array missing")),
            (#"[]"#, .invalidResponse("not a JSON object")),
            (#"{"livestreams": [{"is_live": true}]}"#, .invalidResponse("livestream 1 has no id")),
            (#"{"livestreams": [{"id": "", "is_live": true}]}"#, .invalidResponse("livestream 1 has no id")),
            (#"{"livestreams": [{"id": "a", "is_live": true}, {"id": "b"}]}"#, .invalidResponse("livestream 2 has no is_live")),
            (#"{"livestreams": [{"id": "a", "is_live": "yes"}]}"#, .invalidResponse("livestream 1 has no is_live")),
            (#"{"livestreams": [7]}"#, .invalidResponse("livestream 1 is not an object")),
        ]
        for (json, error) in refusals {
            #expect(throws: error, "\(json)") { try RumbleLivestreamData(json: try JSONParser.parse(json)) }
        }
    }

    @Test func keysFromPastedURLs() throws {
        let key = "Ab12_cd-34EFgh56ij78"
        #expect(try RumbleLivestreamKey(parsing: "https://rumble.com/-livestream-api/get-data?key=\(key)").secret == key)
        #expect(try RumbleLivestreamKey(parsing: " https://www.rumble.com/-livestream-api/get-data?other=1&key=\(key)#x ").secret == key)
        #expect(try RumbleLivestreamKey(parsing: "rumble.com/-livestream-api/get-data?key=\(key)").secret == key)
        #expect(try RumbleLivestreamKey(parsing: key).secret == key)
        // A URL of the configured API (locally the stand-in) is accepted, other hosts are not.
        #expect(try RumbleLivestreamKey(parsing: "http://127.0.0.1:8093/-livestream-api/get-data?key=\(key)", baseURL: "http://127.0.0.1:8093").secret == key)
        #expect(throws: RumbleKeyError.notALivestreamAPIURL) {
            try RumbleLivestreamKey(parsing: "http://127.0.0.1:9999/-livestream-api/get-data?key=\(key)", baseURL: "http://127.0.0.1:8093")
        }
        #expect(throws: RumbleKeyError.notALivestreamAPIURL) { try RumbleLivestreamKey(parsing: "http://127.0.0.1:8093/-livestream-api/get-data?key=\(key)") }
        let refusals: [(String, RumbleKeyError)] = [
            ("", .empty),
            ("https://evil.example/-livestream-api/get-data?key=\(key)", .notALivestreamAPIURL),
            ("https://rumble.com.evil.example/-livestream-api/get-data?key=\(key)", .notALivestreamAPIURL),
            ("https://rumble.com/c/someone", .notALivestreamAPIURL),
            ("https://rumble.com/-livestream-api/get-data", .notALivestreamAPIURL),
            ("https://rumble.com/-livestream-api/get-data?k=\(key)", .missingKey),
            ("https://rumble.com/-livestream-api/get-data?key=short", .invalidKey),
            ("https://rumble.com/-livestream-api/get-data?key=has%20space%20inside", .invalidKey),
            ("bad key with spaces", .invalidKey),
        ]
        for (input, error) in refusals {
            #expect(throws: error, "\(input)") { try RumbleLivestreamKey(parsing: input) }
        }
        // Never printed.
        let parsed = try RumbleLivestreamKey(parsing: key)
        #expect(parsed.description == "rumble-key(…ij78)")
        #expect(!"\(parsed)".contains(key))
    }

    @Test func configurationFromTheEnvironment() throws {
        #expect(try RumbleConfiguration.fromEnvironment(Environment([:])).baseURL == "https://rumble.com")
        let local = try RumbleConfiguration.fromEnvironment(Environment(["RUMBLE_API_BASE_URL": "http://127.0.0.1:8093/", "RUMBLE_REQUEST_TIMEOUT_SECONDS": "3"]))
        #expect(local.baseURL == "http://127.0.0.1:8093")
        #expect(local.requestTimeoutSeconds == 3)
        #expect(throws: (any Error).self) { try RumbleConfiguration.fromEnvironment(Environment(["RUMBLE_API_BASE_URL": "rumble.com"])) }
    }

    @Test func backoffHints() {
        #expect(RumbleError.keyRejected(status: 403).backoff == .stop)
        #expect(RumbleError.rateLimited(retryAfterSeconds: 30).backoff == .retryAfter(seconds: 30))
        #expect(RumbleError.rateLimited(retryAfterSeconds: nil).backoff == .exponential)
        #expect(RumbleError.unavailable(status: 503, retryAfterSeconds: 5).backoff == .retryAfter(seconds: 5))
        #expect(RumbleError.transport("timeout").backoff == .exponential)
        #expect(RumbleError.invalidResponse("x").backoff == .exponential)
    }
}

@Suite struct RumbleAPITransitionTests {
    func data(_ streams: [RumbleLivestream]) -> RumbleLivestreamData { RumbleLivestreamData(livestreams: streams) }
    func stream(_ id: String, live: Bool = true, viewers: Int? = 10, title: String = "t") -> RumbleLivestream {
        RumbleLivestream(id: id, title: title, createdOn: "2024-05-29T15:00:00+00:00", isLive: live, watchingNow: viewers)
    }
    func state(_ id: String, viewers: Int? = 10, title: String = "t") -> RumbleChannelState.LiveStream {
        RumbleChannelState.LiveStream(id: id, title: title, createdOn: "2024-05-29T15:00:00+00:00", watchingNow: viewers)
    }

    @Test func goingLiveViewersAndEnding() {
        // Offline and nothing listed (or only a scheduled stream): no change.
        var (current, changes) = RumbleTransition.evaluate(previous: .offline, fetched: data([stream("s1", live: false)]))
        #expect(current == .offline && changes.isEmpty)
        // Goes live.
        (current, changes) = RumbleTransition.evaluate(previous: current, fetched: data([stream("s1")]))
        #expect(changes == [.online(state("s1"))])
        #expect(current.isLive)
        // Same data: nothing to publish.
        (current, changes) = RumbleTransition.evaluate(previous: current, fetched: data([stream("s1")]))
        #expect(changes.isEmpty)
        // Viewers and title move.
        (current, changes) = RumbleTransition.evaluate(previous: current, fetched: data([stream("s1", viewers: 25)]))
        #expect(changes == [.updated(state("s1", viewers: 25))])
        (current, changes) = RumbleTransition.evaluate(previous: current, fetched: data([stream("s1", viewers: 25, title: "new")]))
        #expect(changes == [.updated(state("s1", viewers: 25, title: "new"))])
        // Listed as not live any more: offline.
        (current, changes) = RumbleTransition.evaluate(previous: current, fetched: data([stream("s1", live: false)]))
        #expect(changes == [.offline(streamID: "s1")])
        #expect(current == .offline)
    }

    @Test func vanishingStreamsEndAndNewStreamsStart() {
        let previous = RumbleChannelState(live: [state("old")])
        let (current, changes) = RumbleTransition.evaluate(previous: previous, fetched: data([stream("new", viewers: nil), stream("new", viewers: 5)]))
        #expect(changes == [.offline(streamID: "old"), .online(state("new", viewers: nil))])
        #expect(current == RumbleChannelState(live: [state("new", viewers: nil)]))
        let (ended, endChanges) = RumbleTransition.evaluate(previous: current, fetched: data([]))
        #expect(endChanges == [.offline(streamID: "new")])
        #expect(ended == .offline)
    }

    @Test func liveStreamsAreKeptInIdOrder() {
        let state = RumbleChannelState(live: [state("b"), state("a", viewers: nil)])
        #expect(state.live.map(\.id) == ["a", "b"])
    }
}
