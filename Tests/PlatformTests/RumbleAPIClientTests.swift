import RumbleAPI
import RumbleStandIn
import Testing

/// The Live Stream API client against the Rumble stand-in over HTTP, with the poller's loop
/// reduced to fetch + `RumbleTransition.evaluate`.
@Suite struct RumbleAPIClientTests {
    private func withRumble(_ body: (RumbleStandInServer, RumbleClient, String) async throws -> Void) async throws {
        let server = RumbleStandInServer(logger: standInQuietLogger("rumble-stand-in"))
        try await server.withRunning { port in
            let base = "http://127.0.0.1:\(port)"
            try await body(server, RumbleClient(configuration: RumbleConfiguration(baseURL: base, requestTimeoutSeconds: 5)), base)
        }
    }

    @Test func pollingAChannelThroughGoingLiveAndEnding() async throws {
        try await withRumble { server, client, base in
            let account = try server.state.addAccount(username: "streamer", channelName: "StreamerChannel")
            // What the creator hands over is the URL; only its key is kept.
            let key = try RumbleLivestreamKey(parsing: account.apiURL(baseURL: "https://rumble.com"))
            var state = RumbleChannelState.offline

            func poll() async throws -> [RumbleChange] {
                let (next, changes) = RumbleTransition.evaluate(previous: state, fetched: try await client.fetch(key))
                state = next
                return changes
            }

            let first = try await client.fetch(key)
            #expect(first.type == "channel" && first.channelName == "StreamerChannel" && first.livestreams.isEmpty)
            #expect(try await poll().isEmpty)

            let stream = try server.state.goLive(id: account.id, title: "Going live", watchingNow: 12)
            let online = try await poll()
            #expect(online == [.online(RumbleChannelState.LiveStream(id: stream.id, title: "Going live", createdOn: state.live.first?.createdOn,
                                                                     watchingNow: 12))])
            #expect(state.live.first?.createdOn != nil)
            #expect(try await poll().isEmpty)

            _ = try server.state.setWatchingNow(id: account.id, 40)
            guard case .updated(let updated)? = try await poll().first else { Issue.record("no viewer update"); return }
            #expect(updated.watchingNow == 40)

            _ = try server.state.goOffline(id: account.id)
            #expect(try await poll() == [.offline(streamID: stream.id)])
            #expect(state == .offline)
        }
    }

    @Test func errorsCarryBackoffHintsAndNeverTheKey() async throws {
        try await withRumble { server, client, base in
            let account = try server.state.addAccount(username: "faulty")
            let key = try RumbleLivestreamKey(parsing: account.apiURL(baseURL: base), baseURL: base)

            server.state.injectFault(status: 503, count: 1, retryAfterSeconds: 7)
            await #expect(throws: RumbleError.unavailable(status: 503, retryAfterSeconds: 7)) { _ = try await client.fetch(key) }
            server.state.injectFault(status: 502, count: 1)
            await #expect(throws: RumbleError.unavailable(status: 502, retryAfterSeconds: nil)) { _ = try await client.fetch(key) }
            #expect(RumbleError.unavailable(status: 502, retryAfterSeconds: nil).backoff == .exponential)
            server.state.injectFault(status: 429, count: 1, retryAfterSeconds: 30)
            await #expect(throws: RumbleError.rateLimited(retryAfterSeconds: 30)) { _ = try await client.fetch(key) }
            server.state.setRequestsPerMinute(1)
            _ = try await client.fetch(key)
            await #expect {
                _ = try await client.fetch(key)
            } throws: { error in
                guard case RumbleError.rateLimited(let seconds?) = error else { return false }
                return seconds > 0
            }
            server.state.setRequestsPerMinute(nil)
            // Recovered.
            #expect(try await client.fetch(key).livestreams.isEmpty)

            // A reset key is rejected for good: the poller stops and reports it.
            _ = try server.state.resetKey(id: account.id)
            await #expect(throws: RumbleError.keyRejected(status: 401)) { _ = try await client.fetch(key) }
            #expect(RumbleError.keyRejected(status: 401).backoff == .stop)

            // Transport failures name neither the URL's key nor the key itself.
            let unreachable = RumbleClient(configuration: RumbleConfiguration(baseURL: "http://127.0.0.1:1", requestTimeoutSeconds: 2))
            await #expect {
                _ = try await unreachable.fetch(key)
            } throws: { error in
                guard case RumbleError.transport(let message) = error else { return false }
                return !message.contains(key.secret) && message.contains("rumble-key(")
            }
        }
    }

    @Test func aNonJSONAnswerIsAnInvalidResponse() async throws {
        try await withRumble { server, _, base in
            // The stand-in's HTML overview stands in for a Cloudflare challenge page.
            let client = RumbleClient(configuration: RumbleConfiguration(baseURL: base + "/?", requestTimeoutSeconds: 5))
            let account = try server.state.addAccount(username: "html")
            let key = try RumbleLivestreamKey(parsing: account.apiURL(baseURL: base), baseURL: base)
            await #expect {
                _ = try await client.fetch(key)
            } throws: { error in
                guard case RumbleError.invalidResponse(let message) = error else { return false }
                return !message.contains(key.secret)
            }
        }
    }
}
