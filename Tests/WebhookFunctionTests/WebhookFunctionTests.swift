import BlockingIO
import EventSub
import FunctionRuntime
import FunctionServer
import Ingest
import JSONValue
import Postgres
import Redis
import Rooms
import TestSupport
import Testing

@Suite(.serialized) struct WebhookSignatureTests {
    @Test func validNotificationIsStoredAnd204() async throws {
        let harness = try WebhookHarness()
        let company = try TestServices.makeCompany()
        let twitchID = TestServices.uniqueTwitchUserID()
        let creator = try TestServices.addCreator(company: company, twitchUserID: twitchID)
        let delivery = WebhookHarness.follow(broadcaster: twitchID)
        let response = await harness.post(delivery)
        #expect(response.status == 204)
        let rows = try WebhookHarness.storedRows(messageID: delivery.header("Twitch-Eventsub-Message-Id")!)
        #expect(rows.count == 1)
        #expect(rows.first?["company_id"] == company)
        #expect(rows.first?["creator_id"] == creator)
        await harness.shutdown()
    }

    @Test(arguments: ["tampered body", "wrong secret", "stale timestamp", "future timestamp", "bad prefix", "uppercase hex",
                      "no signature", "no message id", "no timestamp", "no message type", "id changed after signing"])
    func forgedOrReplayedDeliveriesAre403AndNotStored(_ case_: String) async throws {
        let harness = try WebhookHarness()
        let company = try TestServices.makeCompany()
        let twitchID = TestServices.uniqueTwitchUserID()
        _ = try TestServices.addCreator(company: company, twitchUserID: twitchID)
        let messageID = SignedDelivery.newMessageID()
        let good = WebhookHarness.follow(broadcaster: twitchID, messageID: messageID)
        let signature = good.header("Twitch-Eventsub-Message-Signature")!
        let delivery: SignedDelivery
        switch case_ {
        case "tampered body":
            var body = good.body
            body[body.count - 5] = UInt8(ascii: "X")
            delivery = good.withBody(body)
        case "wrong secret": delivery = WebhookHarness.follow(broadcaster: twitchID, messageID: messageID, secret: "not-the-secret-at-all")
        case "stale timestamp":
            delivery = WebhookHarness.follow(broadcaster: twitchID, messageID: messageID, timestamp: RFC3339.format(unixSeconds: wallClockSeconds() - 660))
        case "future timestamp":
            delivery = WebhookHarness.follow(broadcaster: twitchID, messageID: messageID, timestamp: RFC3339.format(unixSeconds: wallClockSeconds() + 120))
        case "bad prefix": delivery = good.replacing("Twitch-Eventsub-Message-Signature", with: "sha1=" + signature.dropFirst(7))
        case "uppercase hex": delivery = good.replacing("Twitch-Eventsub-Message-Signature", with: "sha256=" + signature.dropFirst(7).uppercased())
        case "no signature": delivery = good.replacing("Twitch-Eventsub-Message-Signature", with: nil)
        case "no message id": delivery = good.replacing("Twitch-Eventsub-Message-Id", with: nil)
        case "no timestamp": delivery = good.replacing("Twitch-Eventsub-Message-Timestamp", with: nil)
        case "no message type": delivery = good.replacing("Twitch-Eventsub-Message-Type", with: nil)
        default: delivery = good.replacing("Twitch-Eventsub-Message-Id", with: SignedDelivery.newMessageID())
        }
        let response = await harness.post(delivery)
        #expect(response.status == 403, "\(case_)")
        let error = try JSONParser.parse(response.body)
        #expect(error["error"]?["code"] == "forbidden")
        #expect(error["error"]?["requestId"]?.stringValue != nil)
        #expect(try WebhookHarness.storedRows(messageID: messageID).isEmpty)
        await harness.shutdown()
    }

    @Test func previousSecretIsAcceptedDuringRotation() async throws {
        let harness = try WebhookHarness()
        let company = try TestServices.makeCompany()
        let twitchID = TestServices.uniqueTwitchUserID()
        _ = try TestServices.addCreator(company: company, twitchUserID: twitchID)
        let delivery = WebhookHarness.follow(broadcaster: twitchID, secret: WebhookHarness.previousSecret)
        #expect(await harness.post(delivery).status == 204)
        #expect(try WebhookHarness.storedRows(messageID: delivery.header("Twitch-Eventsub-Message-Id")!).count == 1)
        await harness.shutdown()
    }

    @Test func badRequestsAreAnsweredClearly() async throws {
        let harness = try WebhookHarness()
        let now = WebhookHarness.now
        func signed(_ body: String, type: String = "notification") -> SignedDelivery {
            SignedDelivery.signed(messageType: type, type: "channel.follow", version: "2", body: body, secret: WebhookHarness.secret,
                                  messageID: SignedDelivery.newMessageID(), timestamp: now)
        }
        let notJSON = await harness.post(signed("this is not json"))
        #expect(notJSON.status == 400)
        #expect(try JSONParser.parse(notJSON.body)["error"]?["code"] == "invalid_body")
        #expect(await harness.post(signed(#"{"event":{}}"#)).status == 400)
        #expect(await harness.post(signed(#"{"subscription":{"id":"s","type":"channel.follow","version":"2","status":"enabled"}}"#)).status == 400)
        #expect(await harness.post(signed(#"{"subscription":{"id":"s","type":"stream.online","version":"1","status":"enabled"},"event":{}}"#)).status == 400)
        #expect(await harness.post(signed(#"{"subscription":{"id":"s","type":"x","version":"1","status":"enabled"}}"#, type: "surprise")).status == 400)
        let big = signed("{\"pad\":\"" + String(repeating: "a", count: 1 << 20) + "\"}")
        let tooLarge = await harness.post(big)
        #expect(tooLarge.status == 413)
        #expect(await harness.post(WebhookHarness.follow(broadcaster: "1"), path: "/webhooks/other").status == 404)
        let get = await harness.server.respond(to: FunctionRequest(method: "GET", path: "/webhooks/twitch"))
        #expect(get.status == 405)
        #expect(await harness.server.respond(to: FunctionRequest(method: "GET", path: "/healthz")).status == 200)
        await harness.shutdown()
    }
}

@Suite(.serialized) struct WebhookMessageTypeTests {
    @Test func challengeAnswersTheRawChallengeAndEnablesTheSubscription() async throws {
        let harness = try WebhookHarness()
        let subscriptionID = SignedDelivery.newMessageID()
        let delivery = SignedDelivery.challenge(
            type: "stream.online", version: "1", condition: ["broadcaster_user_id": "12826"], challenge: "pogchamp-kappa-360noscope-vohiyo",
            secret: WebhookHarness.secret, messageID: SignedDelivery.newMessageID(), timestamp: WebhookHarness.now, subscriptionID: subscriptionID)
        let response = await harness.post(delivery)
        #expect(response.status == 200)
        #expect(response.bodyText == "pogchamp-kappa-360noscope-vohiyo")
        #expect(response.header("content-type") == "text/plain")
        let row = try TestServices.superuserQuery("SELECT status, type FROM eventsub_subscriptions WHERE id = $1", [subscriptionID]).first
        #expect(row?["status"] == "enabled")
        #expect(row?["type"] == "stream.online")
        await harness.shutdown()
    }

    @Test func revocationRecordsItsReason() async throws {
        let harness = try WebhookHarness()
        let subscriptionID = SignedDelivery.newMessageID()
        let delivery = SignedDelivery.revocation(
            type: "channel.follow", version: "2", condition: ["broadcaster_user_id": "12826"], status: "authorization_revoked",
            secret: WebhookHarness.secret, messageID: SignedDelivery.newMessageID(), timestamp: WebhookHarness.now, subscriptionID: subscriptionID)
        let response = await harness.post(delivery)
        #expect((200..<300).contains(response.status))
        #expect(try TestServices.superuserQuery("SELECT status FROM eventsub_subscriptions WHERE id = $1", [subscriptionID]).first?["status"]
            == "authorization_revoked")
        await harness.shutdown()
    }

    @Test func redeliveryIsStoredAndPublishedOnce() async throws {
        let harness = try WebhookHarness()
        let (company, twitchID, subscriber, stream) = try await WebhookHarness.watchedCompany()
        var events = stream
        let delivery = WebhookHarness.follow(broadcaster: twitchID)
        // The original and two resends, two of them racing each other.
        async let first = harness.post(delivery)
        async let second = harness.post(delivery)
        let statuses = await [first.status, second.status, harness.post(delivery).status]
        #expect(statuses == [204, 204, 204])
        #expect(try WebhookHarness.storedRows(messageID: delivery.header("Twitch-Eventsub-Message-Id")!).count == 1)
        // Exactly one publish: a marker published after must be the next message.
        _ = try await harness.redis.publish(channel: RoomName.company(company), message: "marker")
        var messages: [String] = []
        while let event = await events.next() {
            if case .message(let message) = event { messages.append(message.text) }
            if messages.last == "marker" { break }
        }
        #expect(messages.count == 2)
        await subscriber.stop()
        await harness.shutdown()
    }

    /// Recovery replays ids above a client's last seen id, so a company's events must be published
    /// in id order. Two webhook instances, each with two lanes and small batches, storing one
    /// company's events at the same time: the room sees every id once, strictly increasing.
    @Test func concurrentWritersPublishACompanysEventsInIdOrder() async throws {
        let instances = [try WebhookHarness(maxBatch: 4), try WebhookHarness(maxBatch: 4)]
        let (_, twitchID, subscriber, stream) = try await WebhookHarness.watchedCompany()
        var events = stream
        let total = 300
        let statuses = await withTaskGroup(of: Int.self) { group -> [Int] in
            for index in 0..<total {
                group.addTask { await instances[index % 2].post(WebhookHarness.follow(broadcaster: twitchID)).status }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 204 })
        var ids: [Int64] = []
        while ids.count < total, let event = await events.next() {
            guard case .message(let message) = event else { continue }
            ids.append(try #require(try JSONParser.parse(message.payload)["id"]?.int64Value))
        }
        #expect(ids.count == total)
        let inversions = zip(ids, ids.dropFirst()).filter { $0 >= $1 }.count
        #expect(inversions == 0, "\(inversions) of \(total) events published after a higher id")
        await subscriber.stop()
        for instance in instances { await instance.shutdown() }
    }

    /// A storm on one channel tracked by four agencies (spread over both lanes: each company with
    /// nothing pending goes to the least loaded lane), through
    /// two webhook instances with small batches, every tenth delivery redelivered to the other
    /// instance: each agency stores every event exactly once, and each agency's room gets them
    /// once each, in strictly increasing id order.
    @Test func stormAcrossLanesAndInstancesIsExactlyOnceAndInIdOrderPerCompany() async throws {
        let instances = [try WebhookHarness(maxBatch: 8), try WebhookHarness(maxBatch: 8)]
        let twitchID = TestServices.uniqueTwitchUserID()
        var companies: [String] = []
        while companies.count < 4 {
            let company = try TestServices.makeCompany("Storm \(companies.count)")
            _ = try TestServices.addCreator(company: company, twitchUserID: twitchID)
            companies.append(company)
        }
        let subscriber = RedisSubscriber(url: try TestServices.redisURL(), channels: companies.map(RoomName.company))
        subscriber.start()
        var events = subscriber.events.makeAsyncIterator()
        guard case .subscribed? = await events.next() else { throw RedisError(kind: .connection, message: "not subscribed") }

        let deliveries = (0..<300).map { WebhookHarness.follow(broadcaster: twitchID, follower: "storm\($0)") }
        let statuses = await withTaskGroup(of: Int.self) { group -> [Int] in
            for (index, delivery) in deliveries.enumerated() {
                group.addTask { await instances[index % 2].post(delivery).status }
                if index % 10 == 0 { group.addTask { await instances[(index + 1) % 2].post(delivery).status } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.count == 330 && statuses.allSatisfy { $0 == 204 })

        let expected = deliveries.count * companies.count
        var idsByRoom: [String: [Int64]] = [:]
        var received = 0
        while received < expected, let event = await events.next() {
            guard case .message(let message) = event else { continue }
            idsByRoom[message.channel, default: []].append(try #require(try JSONParser.parse(message.text)["id"]?.int64Value))
            received += 1
        }
        for company in companies {
            let ids = idsByRoom[RoomName.company(company)] ?? []
            #expect(ids.count == deliveries.count, "company \(company) got \(ids.count) events")
            let inversions = zip(ids, ids.dropFirst()).filter { $0 >= $1 }.count
            #expect(inversions == 0, "\(inversions) events published after a higher id in \(company)'s room")
        }
        let stored = try TestServices.superuserQuery(
            "SELECT count(*) AS n, count(DISTINCT (company_id, twitch_message_id)) AS distinct_n FROM events WHERE company_id = ANY($1::uuid[])",
            [PostgresArray.literal(companies)]).first
        #expect(stored?["n"] == String(expected) && stored?["distinct_n"] == String(expected))
        await subscriber.stop()
        for instance in instances { await instance.shutdown() }
    }

    /// A stream lock held elsewhere and never released (a stuck webhook instance) costs only a
    /// retry: the delivery is answered 503 after the lock timeout, nothing is stored or
    /// dead-lettered, locks taken before the timeout are not kept, and the redelivery is stored
    /// once the lock is free. (One event tracked by two companies needs both their locks.)
    @Test func aStuckStreamLockHolderCostsARetryNotAnEvent() async throws {
        let harness = try WebhookHarness(streamLockTimeoutMilliseconds: 300)
        let twitchID = TestServices.uniqueTwitchUserID()
        var companies: [String] = []
        for name in ["Left", "Right"] {
            let company = try TestServices.makeCompany(name)
            _ = try TestServices.addCreator(company: company, twitchUserID: twitchID)
            companies.append(company)
        }
        let holder = try PostgresConnection(url: try TestServices.databaseURL())
        // Hold the lock taken second (locks are taken in key order), so the first one is taken
        // and must be given back when the second times out.
        let ordered = try holder.query(
            "SELECT c FROM unnest($1::text[]) AS c ORDER BY hashtextextended(c, 7001)", [PostgresArray.literal(companies)]
        ).rows.map { try $0.require("c") as String }
        try holder.query("SELECT pg_advisory_lock(hashtextextended($1, 7001))", [ordered[1]])
        let delivery = WebhookHarness.follow(broadcaster: twitchID)
        let messageID = try #require(delivery.header("Twitch-Eventsub-Message-Id"))
        #expect(await harness.post(delivery).status == 503)
        // Nothing for the company whose lock was held. The other company's row is stored: with
        // both lanes idle the two companies went to different lanes (least loaded), and each lane
        // commits on its own; the redelivery is a duplicate there.
        let partial = try WebhookHarness.storedRows(messageID: messageID)
        #expect(partial.allSatisfy { $0["company_id"] != ordered[1] })
        #expect(partial.map { $0["company_id"] } == [ordered[0]], "the unlocked company's own lane stored its row")
        #expect(try TestServices.superuserQuery("SELECT count(*) AS n FROM eventsub_dead_letters WHERE twitch_message_id = $1",
                                                [messageID]).first?["n"] == "0")
        let other = try PostgresConnection(url: try TestServices.databaseURL())
        #expect(try other.query("SELECT pg_try_advisory_lock(hashtextextended($1, 7001)) AS free", [ordered[0]]).first?["free"] == "t",
                "the lock taken before the timeout was released")
        try other.query("SELECT pg_advisory_unlock_all()")
        try holder.query("SELECT pg_advisory_unlock_all()")
        #expect(await harness.post(delivery).status == 204)
        #expect(try WebhookHarness.storedRows(messageID: messageID).map { $0["company_id"] } == companies.sorted())
        await harness.shutdown()
    }

    @Test func unknownTypesAreStoredWithTheirRawPayload() async throws {
        let harness = try WebhookHarness()
        let company = try TestServices.makeCompany()
        let twitchID = TestServices.uniqueTwitchUserID()
        _ = try TestServices.addCreator(company: company, twitchUserID: twitchID)
        let delivery = WebhookHarness.event("channel.shoutout.create", broadcaster: twitchID, extra: ["to_broadcaster_user_id": "5", "viewer_count": 860])
        #expect(await harness.post(delivery).status == 204)
        let rows = try WebhookHarness.storedRows(messageID: delivery.header("Twitch-Eventsub-Message-Id")!)
        #expect(rows.count == 1)
        let payload = try JSONParser.parse(try #require(rows.first?["payload"]))
        #expect(payload == (try JSONParser.parse(delivery.body)))
        await harness.shutdown()
    }

    /// A payload Postgres cannot store (jsonb refuses \u0000) must not fail its neighbours nor be
    /// retried forever: it is dead-lettered and answered 2xx.
    @Test func poisonPayloadIsDeadLetteredWithoutHurtingItsBatch() async throws {
        let harness = try WebhookHarness()
        let company = try TestServices.makeCompany()
        let twitchID = TestServices.uniqueTwitchUserID()
        _ = try TestServices.addCreator(company: company, twitchUserID: twitchID)
        let poison = WebhookHarness.event("channel.cheer", broadcaster: twitchID,
                                          extra: ["message": "nul \u{0}here", "bits": 5, "is_anonymous": true])
        let healthy = (0..<20).map { _ in WebhookHarness.follow(broadcaster: twitchID) }
        let statuses = await withTaskGroup(of: Int.self) { group in
            for delivery in healthy + [poison] { group.addTask { await harness.post(delivery).status } }
            var statuses: [Int] = []
            for await status in group { statuses.append(status) }
            return statuses
        }
        #expect(statuses.allSatisfy { $0 == 204 })
        for delivery in healthy {
            #expect(try WebhookHarness.storedRows(messageID: delivery.header("Twitch-Eventsub-Message-Id")!).count == 1)
        }
        let poisonID = poison.header("Twitch-Eventsub-Message-Id")!
        #expect(try WebhookHarness.storedRows(messageID: poisonID).isEmpty)
        #expect(try TestServices.superuserQuery("SELECT 1 FROM eventsub_dead_letters WHERE twitch_message_id = $1", [poisonID]).rows.count == 1)
        await harness.shutdown()
    }

    @Test func notificationsNobodyTracksAreKeptUnrouted() async throws {
        let harness = try WebhookHarness()
        let delivery = WebhookHarness.follow(broadcaster: TestServices.uniqueTwitchUserID())
        #expect(await harness.post(delivery).status == 204)
        let id = delivery.header("Twitch-Eventsub-Message-Id")!
        #expect(try TestServices.superuserQuery("SELECT 1 FROM eventsub_unrouted WHERE twitch_message_id = $1", [id]).rows.count == 1)
        #expect(try WebhookHarness.storedRows(messageID: id).isEmpty)
        await harness.shutdown()
    }

    @Test func streamOnlineAndOfflineDriveLiveStatus() async throws {
        let harness = try WebhookHarness()
        let company = try TestServices.makeCompany()
        let twitchID = TestServices.uniqueTwitchUserID()
        let creator = try TestServices.addCreator(company: company, twitchUserID: twitchID)
        #expect(await harness.post(WebhookHarness.event("stream.online", broadcaster: twitchID,
                                                        extra: ["id": "1", "type": "live", "started_at": .string(WebhookHarness.now)])).status == 204)
        #expect(await harness.post(WebhookHarness.event("channel.update", version: "2", broadcaster: twitchID,
                                                        extra: ["title": "<b>hi</b>", "category_name": "Art", "category_id": "5"])).status == 204)
        var status = try TestServices.superuserQuery("SELECT live, title, category_name FROM creator_status WHERE creator_id = $1", [creator]).first
        #expect(status?.bool("live") == true)
        #expect(status?["title"] == "<b>hi</b>")
        #expect(status?["category_name"] == "Art")
        #expect(await harness.post(WebhookHarness.event("stream.offline", broadcaster: twitchID)).status == 204)
        status = try TestServices.superuserQuery("SELECT live FROM creator_status WHERE creator_id = $1", [creator]).first
        #expect(status?.bool("live") == false)
        await harness.shutdown()
    }
}

@Suite(.serialized) struct WebhookTenancyAndFailureTests {
    @Test func twoCompaniesTrackingOneCreatorBothGetTheEventAndOnlyTheirOwn() async throws {
        let harness = try WebhookHarness()
        let a = try TestServices.makeCompany("Agency A")
        let b = try TestServices.makeCompany("Agency B")
        let twitchID = TestServices.uniqueTwitchUserID()
        let creatorA = try TestServices.addCreator(company: a, twitchUserID: twitchID)
        let creatorB = try TestServices.addCreator(company: b, twitchUserID: twitchID)
        let subscriber = RedisSubscriber(url: try TestServices.redisURL(), channels: [
            RoomName.company(a), RoomName.company(b), RoomName.creator(creatorA), RoomName.creator(creatorB)])
        subscriber.start()
        var events = subscriber.events.makeAsyncIterator()
        _ = await events.next()

        let delivery = WebhookHarness.follow(broadcaster: twitchID)
        #expect(await harness.post(delivery).status == 204)
        let rows = try WebhookHarness.storedRows(messageID: delivery.header("Twitch-Eventsub-Message-Id")!)
        #expect(Set(rows.compactMap { $0["company_id"] }) == [a, b])

        // Each tenant, as the app role, sees exactly its own row.
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        for (company, creator) in [(a, creatorA), (b, creatorB)] {
            try app.withTenantScope(companyId: company) {
                let visible = try app.query("SELECT company_id, creator_id FROM events WHERE twitch_message_id = $1",
                                            [delivery.header("Twitch-Eventsub-Message-Id")!]).rows
                #expect(visible.count == 1)
                #expect(visible.first?["creator_id"] == creator)
            }
        }

        // Four publishes: each company room and each creator room, each carrying its own company's event.
        var byChannel: [String: CompactEvent] = [:]
        while byChannel.count < 4, let event = await events.next() {
            if case .message(let message) = event { byChannel[message.channel] = CompactEvent(json: try JSONParser.parse(message.payload)) }
        }
        #expect(byChannel[RoomName.company(a)]?.companyID == a)
        #expect(byChannel[RoomName.creator(creatorA)]?.companyID == a)
        #expect(byChannel[RoomName.company(b)]?.companyID == b)
        #expect(byChannel[RoomName.creator(creatorB)]?.creatorID == creatorB)
        #expect(byChannel[RoomName.company(a)]?.type == "channel.follow")
        #expect((byChannel[RoomName.company(a)]?.id ?? 0) > 0)
        await subscriber.stop()
        await harness.shutdown()
    }

    /// The lane builds each live message from what it sent and the few columns Postgres decides
    /// (migration 20), while REST and relay recovery read the row back (`EventRows`): the two must
    /// be the same bytes, for text that needs escaping, non-ASCII text, and numbers in every form a
    /// resubscription message may carry.
    @Test func theLiveMessageIsTheEventAsReadersReadItBack() async throws {
        let harness = try WebhookHarness()
        let (company, twitchID, subscriber, stream) = try await WebhookHarness.watchedCompany()
        var events = stream
        let texts: [JSONValue] = [
            "quote \" backslash \\ <b>&amp;</b> \u{1F600} é \u{0007} line\nbreak", .double(1.5), .double(1e21), .int(Int64.max), .double(-0.25),
            .array([.null, .bool(true), ["nested": "x"]]),
        ]
        var sent: [String] = []
        for text in texts {
            let delivery = SignedDelivery.notification(
                type: "channel.subscription.message", version: "1",
                event: ["user_id": "7", "user_login": "fan", "user_name": "Fän", "broadcaster_user_id": .string(twitchID),
                        "broadcaster_user_login": "b", "broadcaster_user_name": "B", "tier": "1000", "cumulative_months": 12,
                        "streak_months": .null, "duration_months": 1, "message": ["text": text, "emotes": .array([])]],
                condition: ["broadcaster_user_id": .string(twitchID)], secret: WebhookHarness.secret,
                messageID: SignedDelivery.newMessageID(), timestamp: WebhookHarness.now)
            let status = await harness.post(delivery).status
            // Unanswered deliveries publish nothing: stop here rather than wait for them.
            try #require(status == 204, "delivery \(sent.count) answered \(status)")
            sent.append(delivery.header("Twitch-Eventsub-Message-Id")!)
        }
        var live: [String] = []
        while live.count < texts.count, let event = await events.next() {
            if case .message(let message) = event { live.append(message.text) }
        }
        let owner = try PostgresConnection(url: try TestServices.adminURL())
        let stored = try owner.withTenantScope(companyId: company) {
            try owner.query("SELECT \(EventRows.returning) FROM events WHERE company_id = $1 ORDER BY id", [company]).rows
                .map { try EventRows.compactEvent(from: $0).jsonText }
        }
        #expect(live == stored)
        #expect(live.count == sent.count)
        await subscriber.stop()
        await harness.shutdown()
    }

    /// A follow needs the broadcaster's authorization: it reaches the agency whose creator linked
    /// (for follows), not another agency tracking the same channel without a link; a stream going
    /// live reaches both.
    @Test func authorizationOnlyEventsReachOnlyAgenciesTheCreatorLinkedWith() async throws {
        let harness = try WebhookHarness()
        let linked = try TestServices.makeCompany("Linked Agency")
        let unlinked = try TestServices.makeCompany("Unlinked Agency")
        let cheersOnly = try TestServices.makeCompany("Cheers Only Agency")
        let twitchID = TestServices.uniqueTwitchUserID()
        _ = try TestServices.addCreator(company: linked, twitchUserID: twitchID)
        _ = try TestServices.addCreator(company: unlinked, twitchUserID: twitchID, linked: false)
        let cheersCreator = try TestServices.addCreator(company: cheersOnly, twitchUserID: twitchID, linked: false)
        let owner = try PostgresConnection(url: try TestServices.adminURL())
        try owner.withTenantScope(companyId: cheersOnly) {
            try TestServices.insertLink(on: owner, company: cheersOnly, creator: cheersCreator, twitchUserID: twitchID, types: ["channel.cheer"])
        }

        let follow = WebhookHarness.follow(broadcaster: twitchID)
        #expect(await harness.post(follow).status == 204)
        #expect(Set(try WebhookHarness.storedRows(messageID: follow.header("Twitch-Eventsub-Message-Id")!).compactMap { $0["company_id"] }) == [linked])

        let online = SignedDelivery.notification(
            type: "stream.online", version: "1",
            event: ["id": "1", "broadcaster_user_id": .string(twitchID), "broadcaster_user_login": "c", "broadcaster_user_name": "C",
                    "type": "live", "started_at": .string(WebhookHarness.now)],
            condition: ["broadcaster_user_id": .string(twitchID)], secret: WebhookHarness.secret,
            messageID: SignedDelivery.newMessageID(), timestamp: WebhookHarness.now)
        #expect(await harness.post(online).status == 204)
        #expect(Set(try WebhookHarness.storedRows(messageID: online.header("Twitch-Eventsub-Message-Id")!).compactMap { $0["company_id"] })
                == [linked, unlinked, cheersOnly])
        await harness.shutdown()
    }

    /// `user.authorization.revoke`: every agency's link for that creator loses its tokens, each
    /// agency gets one audit row, a renewal is requested; a redelivery changes nothing more.
    @Test func anAuthorizationRevocationUnlinksTheCreatorEverywhereOnce() async throws {
        let harness = try WebhookHarness()
        let a = try TestServices.makeCompany("Agency A"), b = try TestServices.makeCompany("Agency B")
        let twitchID = TestServices.uniqueTwitchUserID()
        _ = try TestServices.addCreator(company: a, twitchUserID: twitchID)
        _ = try TestServices.addCreator(company: b, twitchUserID: twitchID)
        let revoke = SignedDelivery.notification(
            type: "user.authorization.revoke", version: "1",
            event: ["client_id": "crq72vsaoijkc83xx42hz6i37", "user_id": .string(twitchID), "user_login": .null, "user_name": .null],
            condition: ["client_id": "crq72vsaoijkc83xx42hz6i37"], secret: WebhookHarness.secret,
            messageID: SignedDelivery.newMessageID(), timestamp: WebhookHarness.now)
        #expect(await harness.post(revoke).status == 204)
        #expect(await harness.post(revoke).status == 204)
        let links = try TestServices.superuserQuery("""
            SELECT company_id::text AS company_id, status, access_token, refresh_token FROM creator_links WHERE twitch_user_id = $1
            """, [twitchID]).rows
        #expect(Set(links.compactMap { $0["company_id"] }) == [a, b])
        #expect(links.allSatisfy { $0["status"] == "revoked" && $0["access_token"] == nil && $0["refresh_token"] == nil })
        for company in [a, b] {
            let audits = try TestServices.superuserQuery("SELECT actor_role FROM audit_logs WHERE company_id = $1 AND action = 'creator.link_revoked'",
                                                         [company]).rows
            #expect(audits.count == 1 && audits.first?["actor_role"] == "twitch")
        }
        // Not stored as an event anywhere.
        #expect(try WebhookHarness.storedRows(messageID: revoke.header("Twitch-Eventsub-Message-Id")!).isEmpty)
        let redis = RedisClient(url: try TestServices.redisURL())
        let queued = try await redis.withConnection { try $0.command(["XRANGE", "jobs:subscription-renewal", "-", "+"]) }
        await redis.shutdown()
        func strings(_ reply: RedisReply) -> [String] { reply.array.map { $0.flatMap(strings) } ?? [reply.string].compactMap { $0 } }
        #expect(strings(queued).contains { $0.contains(twitchID) })
        await harness.shutdown()
    }

    @Test func raidsReachCompaniesTrackingEitherSide() async throws {
        let harness = try WebhookHarness()
        let raider = TestServices.uniqueTwitchUserID()
        let raided = TestServices.uniqueTwitchUserID()
        let a = try TestServices.makeCompany()
        let b = try TestServices.makeCompany()
        _ = try TestServices.addCreator(company: a, twitchUserID: raider)
        _ = try TestServices.addCreator(company: b, twitchUserID: raided)
        let delivery = SignedDelivery.notification(
            type: "channel.raid", version: "1",
            event: ["from_broadcaster_user_id": .string(raider), "from_broadcaster_user_login": "r", "from_broadcaster_user_name": "R",
                    "to_broadcaster_user_id": .string(raided), "to_broadcaster_user_login": "t", "to_broadcaster_user_name": "T", "viewers": 10],
            condition: ["to_broadcaster_user_id": .string(raided)], secret: WebhookHarness.secret,
            messageID: SignedDelivery.newMessageID(), timestamp: WebhookHarness.now)
        #expect(await harness.post(delivery).status == 204)
        #expect(Set(try WebhookHarness.storedRows(messageID: delivery.header("Twitch-Eventsub-Message-Id")!).compactMap { $0["company_id"] }) == [a, b])
        await harness.shutdown()
    }

    @Test func postgresDownMeans503AndTwitchRetries() async throws {
        let harness = try WebhookHarness(databaseURL: "postgresql://ccr_app:x@127.0.0.1:1/ccr")
        let response = await harness.post(WebhookHarness.follow(broadcaster: TestServices.uniqueTwitchUserID()))
        #expect(response.status == 503)
        #expect(try JSONParser.parse(response.body)["error"]?["code"] == "unavailable")
        await harness.shutdown()
    }

    @Test func redisDownStillStoresAndAnswers2xx() async throws {
        let harness = try WebhookHarness(redisURL: RedisURL(host: "127.0.0.1", port: 1))
        let company = try TestServices.makeCompany()
        let twitchID = TestServices.uniqueTwitchUserID()
        _ = try TestServices.addCreator(company: company, twitchUserID: twitchID)
        let delivery = WebhookHarness.follow(broadcaster: twitchID)
        #expect(await harness.post(delivery).status == 204)
        #expect(try WebhookHarness.storedRows(messageID: delivery.header("Twitch-Eventsub-Message-Id")!).count == 1)
        await harness.shutdown()
    }

    /// Many concurrent deliveries share commits (group commit) and each is stored exactly once.
    @Test func concurrentBurstIsStoredExactlyOnce() async throws {
        let harness = try WebhookHarness()
        let a = try TestServices.makeCompany()
        let b = try TestServices.makeCompany()
        let ids = (0..<10).map { _ in TestServices.uniqueTwitchUserID() }
        for (index, id) in ids.enumerated() {
            _ = try TestServices.addCreator(company: a, twitchUserID: id)
            if index % 2 == 0 { _ = try TestServices.addCreator(company: b, twitchUserID: id) }
        }
        let deliveries = (0..<300).map { index in WebhookHarness.follow(broadcaster: ids[index % ids.count]) }
        let statuses = await withTaskGroup(of: Int.self) { group in
            for delivery in deliveries + deliveries.prefix(50) { group.addTask { await harness.post(delivery).status } }
            var statuses: [Int] = []
            for await status in group { statuses.append(status) }
            return statuses
        }
        #expect(statuses.allSatisfy { $0 == 204 })
        let count = try TestServices.superuserQuery("SELECT count(*) AS n FROM events WHERE company_id = ANY($1::uuid[])",
                                                    [PostgresArray.literal([a, b])]).first!.requireInt64("n")
        #expect(count == 300 + 150)
        await harness.shutdown()
    }

    /// Twitch's documented notification example of every subscription type (../shared) is accepted
    /// and stored for a company that tracks its broadcaster.
    @Test func twitchDocumentedExamplesAreAccepted() async throws {
        guard try Prerequisite.available(SharedResearch.missing) else { return }
        let files = SharedResearch.exampleFiles()
        try #require(!files.isEmpty, "no example files in ../shared/research/twitch-eventsub-examples")
        let harness = try WebhookHarness()
        let company = try TestServices.makeCompany()
        var tracked: Set<String> = []
        var accepted = 0
        for file in files {
            let document = try JSONParser.parse(try #require(SharedResearch.read(file)))
            for example in document["notification_examples"]?.arrayValue ?? [] {
                guard let body = example["body"], let type = body["subscription"]?["type"]?.stringValue else { continue }
                let text = JSONWriter.string(body)
                let envelope = try EventSubEnvelope.parse(Array(text.utf8))
                let delivery0 = EventSubDelivery(messageID: "x", timestamp: WebhookHarness.now, timestampSeconds: wallClockSeconds(),
                                                 messageType: .notification, subscriptionType: type, subscriptionVersion: "1")
                let routing = try EventSubNormalizer.normalize(envelope, delivery: delivery0, rawBody: Array(text.utf8)).routingUserIDs
                for id in routing where !tracked.contains(id) {
                    _ = try TestServices.addCreator(company: company, twitchUserID: id)
                    tracked.insert(id)
                }
                let messageID = SignedDelivery.newMessageID()
                let delivery = SignedDelivery.signed(messageType: "notification", type: type,
                                                     version: body["subscription"]?["version"]?.stringValue ?? "1", body: text,
                                                     secret: WebhookHarness.secret, messageID: messageID, timestamp: WebhookHarness.now)
                let response = await harness.post(delivery)
                #expect(response.status == 204, "\(file): \(response.bodyText)")
                if type == "user.authorization.revoke" {
                    // Not an event of a channel: the creator's links are revoked (none here), not stored.
                    #expect(try TestServices.superuserQuery("SELECT 1 FROM eventsub_unrouted WHERE twitch_message_id = $1", [messageID]).rows.isEmpty)
                } else if routing.isEmpty {
                    #expect(try TestServices.superuserQuery("SELECT 1 FROM eventsub_unrouted WHERE twitch_message_id = $1", [messageID]).rows.count == 1)
                } else {
                    let rows = try WebhookHarness.storedRows(messageID: messageID).filter { $0["company_id"] == company }
                    #expect(rows.count == 1, "\(file)")
                }
                accepted += 1
            }
        }
        #expect(accepted >= 15)
        await harness.shutdown()
    }
}
