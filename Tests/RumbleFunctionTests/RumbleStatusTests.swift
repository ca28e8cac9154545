import BlockingIO
import JSONValue
import Postgres
import Rooms
import RumbleAPI
import RumbleStandIn
import RumbleStatus
import SecretSealing
import TestSupport
import Testing

/// The `rumble-status` job against the Rumble stand-in over HTTP, the test run's Postgres and
/// Redis: transitions become events once per tracking company and reach the rooms, live rows
/// follow viewers and titles with samples, failures back off per row, refused keys are retried
/// slowly, and re-runs store nothing twice.
@Suite struct RumbleStatusTests {
    typealias Fixture = RumbleStatusFixture

    @Test func goingLiveStoresOneOnlinePerTrackingCompanyAndPublishesIt() async throws {
        try await Fixture.with { fixture in
            let name = Fixture.uniqueName()
            let account = try fixture.addAccount(channel: name)
            let a = try TestServices.makeCompany("Rumble A"), b = try TestServices.makeCompany("Rumble B")
            // Both agencies were given the same owner's URL: one request serves both rows.
            let rowA = try fixture.track(company: a, channel: name, apiURL: account.apiURL)
            let rowB = try fixture.track(company: b, channel: name, apiURL: account.apiURL)
            let poller = fixture.poller(channels: [name])

            let quiet = try await poller.run()
            #expect(quiet.due == 2 && quiet.fetches == 1 && quiet.events == 0 && quiet.wentOnline == 0)
            #expect(try Fixture.row(rowA.row).dueIn > 50)

            let stream = try fixture.server.state.goLive(id: account.id, title: "Live from the stand-in", watchingNow: 12)
            try Fixture.makeDue(rowA.row, rowB.row)
            var report = RumbleStatusReport()
            let published = try await fixture.published(on: [RoomName.company(a), RoomName.company(b)], expecting: 1) {
                report = try await poller.run()
            }
            #expect(report.fetches == 1 && report.failedFetches == 0)
            #expect(report.wentOnline == 1 && report.events == 2 && report.wentOffline == 0)
            #expect(report.refreshed == 2 && report.samples == 2)
            #expect(fixture.server.state.requestCount(id: account.id) == 2)

            let events = try Fixture.events(of: name)
            #expect(events.map(\.company).sorted() == [a, b].sorted())
            #expect(events.allSatisfy { $0.type == "stream.online" && $0.messageID == "rumble:\(stream.id):online" && $0.source == "poll" })
            let stored = try #require(try TestServices.superuserQuery(
                "SELECT data::text AS data, payload::text AS payload FROM events WHERE company_id = $1 AND twitch_message_id = $2",
                [a, "rumble:\(stream.id):online"]).first)
            let data = try JSONParser.parse(try #require(stored["data"]))
            #expect(data["streamId"] == .string(stream.id) && data["title"] == "Live from the stand-in" && data["viewers"] == .int(12))
            #expect(data["url"] == .string("https://rumble.com/c/\(name)"))
            // The stored body is rebuilt from the parsed answer: never Rumble's stream key.
            #expect(stored["payload"]?.contains("stream_key") == false && stored["payload"]?.contains("stand-in-stream-key") == false)

            for (company, creator) in [(a, rowA.creator), (b, rowB.creator)] {
                let events = try #require(published[RoomName.company(company)])
                #expect(events.count == 1)
                #expect(events.first?["type"] == "stream.online" && events.first?["platform"] == "rumble" && events.first?["source"] == "poll")
                #expect(events.first?["creatorId"] == .string(creator))
                #expect(try Fixture.samples(creator: creator).map(\.platform) == ["rumble"])
                #expect(try Fixture.samples(creator: creator).first?.viewers == 12)
            }
            let row = try Fixture.row(rowA.row)
            #expect(row.live && row.streamID == stream.id && row.title == "Live from the stand-in" && row.viewers == 12 && row.startedAt != nil)
            #expect(row.failures == 0 && row.dueIn > 50 && row.dueIn <= 60)

            // A re-run stores and publishes nothing again (and adds no sample within the minute).
            try Fixture.makeDue(rowA.row, rowB.row)
            let minute = Int(wallClockSeconds() / 60)
            var again = RumbleStatusReport()
            let republished = try await fixture.published(on: [RoomName.company(a), RoomName.company(b)]) { again = try await poller.run() }
            #expect(again.events == 0 && again.wentOnline == 0 && again.refreshed == 2)
            #expect(republished.values.allSatisfy { $0.isEmpty })
            #expect(try Fixture.events(of: name).count == 2)
            if Int(wallClockSeconds() / 60) == minute { #expect(again.samples == 0) }
        }
    }

    @Test func viewersAndTitleFollowThePollThenTheStreamEnds() async throws {
        try await Fixture.with { fixture in
            let name = Fixture.uniqueName()
            let account = try fixture.addAccount(channel: name)
            let company = try TestServices.makeCompany("Rumble viewers")
            let tracked = try fixture.track(company: company, channel: name, apiURL: account.apiURL)
            let poller = fixture.poller(channels: [name])
            let stream = try fixture.server.state.goLive(id: account.id, title: "First title", watchingNow: 5)
            #expect(try await poller.run().wentOnline == 1)

            _ = try fixture.server.state.goLive(id: account.id, title: "Second title", watchingNow: 40)
            try Fixture.makeDue(tracked.row)
            let refresh = try await poller.run()
            #expect(refresh.events == 0 && refresh.refreshed == 1)
            var row = try Fixture.row(tracked.row)
            #expect(row.live && row.streamID == stream.id && row.viewers == 40 && row.title == "Second title")
            #expect(try Fixture.samples(creator: tracked.creator).allSatisfy { $0.streamID == stream.id && $0.platform == "rumble" })

            _ = try fixture.server.state.goOffline(id: account.id)
            try Fixture.makeDue(tracked.row)
            var ended = RumbleStatusReport()
            let published = try await fixture.published(on: [RoomName.company(company)], expecting: 1) { ended = try await poller.run() }
            #expect(ended.wentOffline == 1 && ended.events == 1 && ended.refreshed == 0 && ended.samples == 0)
            #expect(published[RoomName.company(company)]?.map { $0["type"] } == ["stream.offline"])
            #expect(published[RoomName.company(company)]?.first?["platform"] == "rumble")
            row = try Fixture.row(tracked.row)
            #expect(!row.live && row.streamID == nil && row.viewers == 0 && row.startedAt == nil)

            try Fixture.makeDue(tracked.row)
            #expect(try await poller.run().events == 0)
            #expect(try Fixture.events(of: name).map(\.messageID) == ["rumble:\(stream.id):online", "rumble:\(stream.id):offline"])

            // A new stream is a new transition.
            let next = try fixture.server.state.goLive(id: account.id, title: "Encore", watchingNow: 1)
            try Fixture.makeDue(tracked.row)
            #expect(try await poller.run().wentOnline == 1)
            #expect(try Fixture.events(of: name).last?.messageID == "rumble:\(next.id):online")
        }
    }

    /// 5xx and 429 from the stand-in: the row keeps its state, counts the failure and waits
    /// exponentially longer (at least what Retry-After says); it is not polled before that; a
    /// success resets the count.
    @Test func failuresBackOffPerRowAndHonourRetryAfter() async throws {
        try await Fixture.with { fixture in
            let name = Fixture.uniqueName()
            let account = try fixture.addAccount(channel: name)
            let company = try TestServices.makeCompany("Rumble backoff")
            let tracked = try fixture.track(company: company, channel: name, apiURL: account.apiURL)
            let poller = fixture.poller(channels: [name], pollSeconds: 60)
            _ = try fixture.server.state.goLive(id: account.id, title: "Before the outage", watchingNow: 3)
            #expect(try await poller.run().wentOnline == 1)

            try Fixture.makeDue(tracked.row)
            fixture.server.state.injectFault(status: 503, count: 1, retryAfterSeconds: 300)
            let first = try await poller.run()
            #expect(first.failedFetches == 1 && first.backedOff == 1 && first.events == 0)
            var row = try Fixture.row(tracked.row)
            #expect(row.failures == 1 && row.live)                     // no observation: the state stays
            #expect(abs(row.dueIn - 300) < 5, "Retry-After 300 beats 2 × 60: \(row.dueIn)")

            // Not due: the next run does not ask Rumble at all.
            let requests = fixture.server.state.requestCount(id: account.id)
            #expect(try await poller.run().due == 0)
            #expect(fixture.server.state.requestCount(id: account.id) == requests)

            try Fixture.makeDue(tracked.row)
            fixture.server.state.injectFault(status: 429, count: 1)
            #expect(try await poller.run().failedFetches == 1)
            row = try Fixture.row(tracked.row)
            #expect(row.failures == 2 && abs(row.dueIn - 240) < 5, "60 × 2²: \(row.dueIn)")

            try Fixture.makeDue(tracked.row)
            fixture.server.state.injectFault(status: 502, count: 1)
            _ = try await poller.run()
            row = try Fixture.row(tracked.row)
            #expect(row.failures == 3 && abs(row.dueIn - 480) < 5, "60 × 2³: \(row.dueIn)")

            // The stand-in's own rate limit (429 with Retry-After), then recovery.
            fixture.server.state.setRequestsPerMinute(1)
            try Fixture.makeDue(tracked.row)
            _ = try await poller.run()          // admitted: the one request of this minute
            try Fixture.makeDue(tracked.row)
            #expect(try await poller.run().failedFetches == 1)
            row = try Fixture.row(tracked.row)
            #expect(row.failures == 1 && row.dueIn >= 115, "at least 60 × 2 and what Retry-After says: \(row.dueIn)")
            fixture.server.state.setRequestsPerMinute(nil)

            try Fixture.makeDue(tracked.row)
            let recovered = try await poller.run()
            #expect(recovered.failedFetches == 0 && recovered.refreshed == 1)
            row = try Fixture.row(tracked.row)
            #expect(row.failures == 0 && row.dueIn <= 60 && row.live)
            #expect(try Fixture.events(of: name).count == 1)
        }
    }

    @Test func aRefusedKeyIsMarkedAndRetriedSlowly() async throws {
        try await Fixture.with { fixture in
            let name = Fixture.uniqueName()
            let account = try fixture.addAccount(channel: name)
            let company = try TestServices.makeCompany("Rumble refused")
            let tracked = try fixture.track(company: company, channel: name, apiURL: account.apiURL)
            let poller = fixture.poller(channels: [name])
            _ = try fixture.server.state.goLive(id: account.id, title: "Key about to be reset", watchingNow: 2)
            #expect(try await poller.run().wentOnline == 1)

            _ = try fixture.server.state.resetKey(id: account.id)      // the old URL now answers 401
            try Fixture.makeDue(tracked.row)
            let refused = try await poller.run()
            #expect(refused.refusedKeys == 1 && refused.backedOff == 1 && refused.events == 0)
            var row = try Fixture.row(tracked.row)
            #expect(row.failures == 1 && abs(row.dueIn - 3_600) < 5, "refused keys wait an hour: \(row.dueIn)")
            #expect(row.live)

            try Fixture.makeDue(tracked.row)
            _ = try await poller.run()
            row = try Fixture.row(tracked.row)
            #expect(row.failures == 2 && abs(row.dueIn - 3_600) < 5)
        }
    }

    /// A URL sealed with a key the job does not hold, or for another row, does not open: the row
    /// is retried slowly and Rumble is not asked.
    @Test func aSealedURLThatDoesNotOpenIsNeverSent() async throws {
        try await Fixture.with { fixture in
            let name = Fixture.uniqueName()
            let account = try fixture.addAccount(channel: name)
            let company = try TestServices.makeCompany("Rumble sealing")
            let otherKeys = try SealingKeyRing([(id: "elsewhere", key: Array(repeating: 4, count: 32))])
            let tracked = try fixture.track(company: company, channel: name, apiURL: account.apiURL, keys: otherKeys)
            let report = try await fixture.poller(channels: [name]).run()
            #expect(report.unreadableKeys == 1 && report.fetches == 0 && report.backedOff == 1)
            #expect(fixture.server.state.requestCount(id: account.id) == 0)
            #expect(try Fixture.row(tracked.row).failures == 1)

            // Copied onto another row, a sealed URL does not open either (the row id is authenticated).
            let second = try fixture.track(company: company, channel: name + "b", apiURL: account.apiURL)
            let third = try fixture.track(company: company, channel: name + "c", apiURL: account.apiURL)
            _ = try TestServices.superuserQuery("""
                UPDATE creator_channels SET api_url_sealed = (SELECT api_url_sealed FROM creator_channels WHERE id = $1) WHERE id = $2
                """, [second.row, third.row])
            let copied = try await fixture.poller(channels: [name + "b", name + "c"]).run()
            #expect(copied.unreadableKeys == 1 && copied.fetches == 1)
            #expect(try Fixture.row(third.row).failures == 1)
            #expect(try Fixture.row(second.row).failures == 0)
        }
    }

    /// A row added again while the stream runs: its event was stored before (same message id), so
    /// nothing is stored, but the row still shows the stream.
    @Test func aRowAddedAgainDuringAStreamShowsItWithoutASecondEvent() async throws {
        try await Fixture.with { fixture in
            let name = Fixture.uniqueName()
            let account = try fixture.addAccount(channel: name)
            let company = try TestServices.makeCompany("Rumble re-add")
            let tracked = try fixture.track(company: company, channel: name, apiURL: account.apiURL)
            let poller = fixture.poller(channels: [name])
            let stream = try fixture.server.state.goLive(id: account.id, title: "Long stream", watchingNow: 9)
            #expect(try await poller.run().events == 1)

            _ = try TestServices.superuserQuery("DELETE FROM creator_channels WHERE id = $1", [tracked.row])
            let again = try fixture.track(company: company, channel: name, apiURL: account.apiURL, creator: tracked.creator)
            let report = try await poller.run()
            #expect(report.events == 0 && report.refreshed == 1)
            let row = try Fixture.row(again.row)
            #expect(row.live && row.streamID == stream.id && row.viewers == 9 && row.title == "Long stream")
            #expect(try Fixture.events(of: name).count == 1)
        }
    }

    @Test func backoffSchedule() {
        let backoff = RumbleBackoff(pollSeconds: 60, maximumSeconds: 1_800, refusedKeySeconds: 3_600)
        #expect((1...6).map { backoff.delay(failures: $0, hint: .exponential) } == [120, 240, 480, 960, 1_800, 1_800])
        #expect(backoff.delay(failures: 1, hint: .retryAfter(seconds: 30)) == 120)
        #expect(backoff.delay(failures: 1, hint: .retryAfter(seconds: 7_200)) == 7_200)
        #expect(backoff.delay(failures: 1, hint: .retryAfter(seconds: 10_000_000)) == 86_400)
        #expect(backoff.delay(failures: 100, hint: .exponential) == 1_800)
        #expect(backoff.delay(failures: 3, hint: .stop) == 3_600)
    }
}

