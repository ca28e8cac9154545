import FunctionServer
import JSONValue
import Redis
import Rooms
import TestSupport
import Testing
import URLEncoding
import WebSub
import YouTubeStandIn
import YouTubeStatus
import YouTubeSubscriptions
import YouTubeWebhook

/// `youtube-webhook` against the hub stand-in over real HTTP and the test run's Postgres and Redis:
/// verification of intent only for what `websub_subscriptions` asked for, denials recorded, signed
/// pushes turned into one `youtube-status` job, and everything else answered without harm.
@Suite struct YouTubeWebhookTests {
    /// A verification GET straight to the function (what the hub sends, with our own values).
    func verification(_ world: YouTubeWorld, path: String, _ parameters: [(String, String)]) async -> FunctionResponse {
        await world.webhook.respond(to: FunctionRequest(method: "GET", path: path, query: PercentEncoding.form(parameters)))
    }

    @Test func verificationOnlyForRequestedTopics() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube verification")
            let channel = try world.channel("verify", trackedBy: [company])
            let path = YouTubeWebhookFunction.path + "/" + channel.id
            let topic = YouTubeTopic.url(channelID: channel.id)

            // Nothing asked for yet: a well-formed verification is 404 and echoes nothing.
            let early = await verification(world, path: path, [("hub.mode", "subscribe"), ("hub.topic", topic), ("hub.challenge", "echo-me"),
                                                              ("hub.lease_seconds", "3600")])
            #expect(early.status == 404 && !early.bodyText.contains("echo-me"))

            // The renewal job asks; the stand-in hub verifies with the webhook over HTTP.
            try await world.subscribe([channel.id])
            let lease = try #require(try YouTubeWorld.lease(channel.id))
            #expect(lease.status == "verified" && lease.leaseSeconds == 432_000 && lease.lastError == nil)
            #expect(abs((lease.expiresIn ?? 0) - 432_000) < 60)
            let verified = try #require(world.standIn.state.verifications.last)
            #expect(verified.outcome == "verified" && verified.callback == world.callbackBase + "/" + channel.id)

            // The hub re-verifying (a renewal): the challenge exactly, as plain text nobody sniffs.
            let challenge = String(repeating: "Ab0_-", count: 25)
            let answer = await verification(world, path: path, [("hub.mode", "subscribe"), ("hub.topic", topic), ("hub.challenge", challenge),
                                                               ("hub.lease_seconds", "86400")])
            #expect(answer.status == 200 && answer.bodyText == challenge)
            #expect(answer.header("content-type")?.hasPrefix("text/plain") == true && answer.header("x-content-type-options") == "nosniff")
            #expect(try YouTubeWorld.lease(channel.id)?.leaseSeconds == 86_400)

            // Not what we asked for: 404, nothing echoed.
            let refusals: [(String, [(String, String)])] = [
                ("another topic", [("hub.mode", "subscribe"), ("hub.topic", YouTubeTopic.url(channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw")),
                                   ("hub.challenge", "echo-me"), ("hub.lease_seconds", "60")]),
                ("the feed without /xml/", [("hub.mode", "subscribe"), ("hub.topic", "https://www.youtube.com/feeds/videos.xml?channel_id=" + channel.id),
                                            ("hub.challenge", "echo-me"), ("hub.lease_seconds", "60")]),
                ("an unsubscribe we did not ask for", [("hub.mode", "unsubscribe"), ("hub.topic", topic), ("hub.challenge", "echo-me")]),
            ]
            for (name, parameters) in refusals {
                let response = await verification(world, path: path, parameters)
                #expect(response.status == 404 && !response.bodyText.contains("echo-me"), "\(name): \(response.status) \(response.bodyText)")
            }
            for other in [YouTubeWebhookFunction.path, YouTubeWebhookFunction.path + "/", YouTubeWebhookFunction.path + "/UCshort",
                          path + "/extra", "/webhooks/twitch"] {
                let response = await verification(world, path: other, [("hub.mode", "subscribe"), ("hub.topic", topic), ("hub.challenge", "echo-me"),
                                                                       ("hub.lease_seconds", "60")])
                #expect(response.status == 404 && !response.bodyText.contains("echo-me"), "\(other)")
            }

            // Malformed queries for a requested topic: 400 with the JSON error shape.
            let malformed: [(String, [(String, String)])] = [
                ("no challenge", [("hub.mode", "subscribe"), ("hub.topic", topic), ("hub.lease_seconds", "60")]),
                ("a challenge over the cap", [("hub.mode", "subscribe"), ("hub.topic", topic), ("hub.lease_seconds", "60"),
                                              ("hub.challenge", String(repeating: "x", count: WebSubVerifier.maximumChallengeLength + 1))]),
                ("a challenge with spaces", [("hub.mode", "subscribe"), ("hub.topic", topic), ("hub.lease_seconds", "60"), ("hub.challenge", "a b")]),
                ("no lease", [("hub.mode", "subscribe"), ("hub.topic", topic), ("hub.challenge", "abc")]),
                ("a negative lease", [("hub.mode", "subscribe"), ("hub.topic", topic), ("hub.challenge", "abc"), ("hub.lease_seconds", "-5")]),
                ("an unknown mode", [("hub.mode", "resubscribe"), ("hub.topic", topic), ("hub.challenge", "abc")]),
                ("no mode", [("hub.topic", topic), ("hub.challenge", "abc")]),
            ]
            for (name, parameters) in malformed {
                let response = await verification(world, path: path, parameters)
                let error = (try? JSONParser.parse(response.body))?["error"]
                #expect(response.status == 400 && error?["code"] == "invalid_verification" && error?["message"]?.stringValue?.isEmpty == false,
                        "\(name): \(response.status) \(response.bodyText)")
            }
            #expect(try YouTubeWorld.lease(channel.id)?.leaseSeconds == 86_400, "a refused verification changed the lease")

            let put = await world.webhook.respond(to: FunctionRequest(method: "PUT", path: path))
            #expect(put.status == 405)
        }
    }

    @Test func deniedSubscriptionsAreRecorded() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube denied")
            // A channel the hub does not know: 202, then `hub.mode=denied` to the callback.
            let unknown = "UCden" + String((0..<19).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
            _ = try YouTubeWorld.track(channelID: unknown, handle: "denied", title: "Denied", company: company)
            let report = try await world.reconciler(channels: [unknown]).run()
            #expect(report.subscribed == 1, "\(report)")
            #expect(await YouTubeWorld.eventually { (try? YouTubeWorld.lease(unknown))?.status == "denied" })
            let denied = try #require(try YouTubeWorld.lease(unknown))
            #expect(denied.lastError?.hasPrefix("hub denied the subscription: ") == true, "\(denied.lastError ?? "")")
            // The stand-in records the denial once our answer is back.
            #expect(await YouTubeWorld.eventually { world.standIn.state.verifications.last?.outcome == "denied" })

            // A verified subscription the hub later denies (§5.2) is marked too, and answered 200.
            let channel = try world.channel("laterdenied", trackedBy: [company])
            try await world.subscribe([channel.id])
            let answer = await verification(world, path: YouTubeWebhookFunction.path + "/" + channel.id, [
                ("hub.mode", "denied"), ("hub.topic", YouTubeTopic.url(channelID: channel.id)), ("hub.reason", "Too many\u{7}subscriptions")])
            #expect(answer.status == 200)
            let later = try #require(try YouTubeWorld.lease(channel.id))
            #expect(later.status == "denied" && later.lastError == "hub denied the subscription: Too many subscriptions")
            // A denial for a topic nobody asked for changes nothing.
            let stray = await verification(world, path: YouTubeWebhookFunction.path + "/" + channel.id, [
                ("hub.mode", "denied"), ("hub.topic", YouTubeTopic.url(channelID: unknown))])
            #expect(stray.status == 404)
        }
    }

    /// Two agencies track one channel: a signed push → one job → one `stream.online` per agency,
    /// published to each agency's room with the platform; the same push again stores nothing.
    @Test func signedPushBecomesOneLiveEventPerAgency() async throws {
        try await withYouTubeWorld { world in
            let first = try TestServices.makeCompany("YouTube agency A")
            let second = try TestServices.makeCompany("YouTube agency B")
            let channel = try world.channel("golive", title: "Go Live Channel", trackedBy: [first, second])
            try await world.subscribe([channel.id])
            let subscriber = RedisSubscriber(url: try TestServices.redisURL(), channels: [RoomName.company(first), RoomName.company(second)])
            subscriber.start()
            defer { Task { await subscriber.stop() } }
            var messages = subscriber.events.makeAsyncIterator()
            guard case .subscribed? = await messages.next() else { throw RedisError(kind: .connection, message: "not subscribed") }

            let published = try world.standIn.goLive(channelID: channel.id, title: "Live now", concurrentViewers: 42)
            await world.standIn.waitForDeliveries(published.deliveryIDs)
            #expect(world.standIn.state.delivery(id: try #require(published.deliveryIDs.first))?.attempts.map(\.status) == [204])
            #expect(try await world.queuedJobs() == 1)
            #expect(try await world.ignored.counts().values.allSatisfy { $0 == 0 })

            let checker = world.checker(channels: [channel.id])
            let reports = try await world.runQueuedChecks(checker)
            #expect(reports.map(\.wentOnline) == [1] && reports.map(\.eventsStored) == [2] && reports.map(\.apiCalls) == [1], "\(reports)")
            let video = published.video.id
            let events = try YouTubeWorld.events(channelID: channel.id)
            #expect(Set(events.map(\.company)) == [first, second] && events.count == 2)
            #expect(events.allSatisfy { $0.type == "stream.online" && $0.platform == "youtube" && $0.source == "webhook" && $0.messageID == "youtube:\(video):online" })
            #expect(Set(events.compactMap(\.creator)) == Set(channel.creators))
            #expect(events.first?.data["streamId"] == .string(video) && events.first?.data["title"] == "Live now" && events.first?.data["viewers"] == 42)
            #expect(events.first?.data["url"] == .string("https://www.youtube.com/watch?v=\(video)"))
            for company in [first, second] {
                #expect(try YouTubeWorld.channelState(channelID: channel.id, company: company)
                    == .init(live: true, streamID: video, title: "Live now", viewers: 42))
            }
            var rooms: [String: JSONValue] = [:]
            while rooms.count < 2, let event = await messages.next() {
                guard case .message(let message) = event else { continue }
                rooms[message.channel] = try JSONParser.parse(message.payload)
            }
            for company in [first, second] {
                let message = try #require(rooms[RoomName.company(company)])
                #expect(message["platform"] == "youtube" && message["type"] == "stream.online" && message["broadcasterUserId"] == .string(channel.id))
                #expect(message["data"]?["streamId"] == .string(video))
            }

            // The hub sends the same entry again (it does): one more unit, nothing stored twice.
            let again = world.standIn.pushEntry(published.video)
            await world.standIn.waitForDeliveries(again)
            let repeated = try await world.runQueuedChecks(checker)
            #expect(repeated.map(\.eventsStored) == [0] && repeated.map(\.apiCalls) == [1], "\(repeated)")
            #expect(try YouTubeWorld.events(channelID: channel.id).count == 2)
        }
    }

    @Test func badSignaturesAreAnswered2xxIgnoredAndCounted() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube signatures")
            let channel = try world.channel("signed", trackedBy: [company])
            try await world.subscribe([channel.id])
            for kind in [HostileFeed.badSignature, .unsigned] {
                let deliveries = try await world.standIn.deliverHostile(kind, channelID: channel.id)
                #expect(deliveries.map { $0.attempts.map(\.status) } == [[204]], "\(kind)")
            }
            // Someone else's signature scheme, straight to the function.
            let body = Array("<feed/>".utf8)
            let odd = await world.webhook.respond(to: FunctionRequest(
                method: "POST", path: YouTubeWebhookFunction.path + "/" + channel.id,
                headers: [("X-Hub-Signature", "md5=" + String(repeating: "0", count: 32))], body: body))
            #expect(odd.status == 204)
            let counts = try await world.ignored.counts()
            #expect(counts[.badSignature] == 1 && counts[.missingSignature] == 1 && counts[.unsupportedAlgorithm] == 1, "\(counts)")
            #expect(try await world.queuedJobs() == 0)
            #expect(try YouTubeWorld.events(channelID: channel.id).isEmpty)
        }
    }

    /// Signed but hostile documents (billion laughs, XXE) are refused by the safe reader and
    /// answered 2xx (no retry loop); an oversized body is refused before it is read; another
    /// channel's entries are dropped. Nothing is queued or stored.
    @Test func hostileXMLIsRefusedHarmlessly() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube hostile")
            let channel = try world.channel("hostile", trackedBy: [company])
            try await world.subscribe([channel.id])
            for kind in [HostileFeed.billionLaughs, .externalEntity, .foreignChannel] {
                let started = ContinuousClock.now
                let deliveries = try await world.standIn.deliverHostile(kind, channelID: channel.id)
                #expect(deliveries.map { $0.attempts.map(\.status) } == [[204]], "\(kind)")
                // Not a speed check: an expanded billion laughs takes minutes and gigabytes; a whole
                // signed delivery round trip on a loaded 2-core machine takes a few seconds at most.
                #expect(ContinuousClock.now - started < .seconds(15), "\(kind) took \(ContinuousClock.now - started)")
            }
            let oversized = try await world.standIn.deliverHostile(.oversized, channelID: channel.id)
            #expect(oversized.map { $0.attempts.map(\.status) } == [[413]])
            let counts = try await world.ignored.counts()
            #expect(counts[.unreadable] == 2 && counts[.foreignChannel] == 1 && counts[.badSignature] == 0, "\(counts)")
            #expect(try await world.queuedJobs() == 0)
            #expect(try YouTubeWorld.events(channelID: channel.id).isEmpty)
            // Still subscribed: none of it ended the subscription.
            #expect(world.standIn.state.activeSubscriptions.contains { $0.channelID == channel.id })
        }
    }

    /// A push for a channel we hold no subscription for is 410: the hub drops it.
    @Test func pushWithoutOurSubscriptionIsGone() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube gone")
            let channel = try world.channel("gone", trackedBy: [company])
            try await world.subscribe([channel.id])
            _ = try TestServices.superuserQuery("DELETE FROM websub_subscriptions WHERE channel_id = $1", [channel.id])
            let published = try world.standIn.publishVideo(channelID: channel.id, title: "Upload")
            await world.standIn.waitForDeliveries(published.deliveryIDs)
            #expect(world.standIn.state.delivery(id: try #require(published.deliveryIDs.first))?.outcome == "gone")
            #expect(!world.standIn.state.activeSubscriptions.contains { $0.channelID == channel.id })
            #expect(try await world.queuedJobs() == 0)
        }
    }
}
