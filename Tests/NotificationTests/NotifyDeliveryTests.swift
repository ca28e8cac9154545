import BlockingIO
import DiscordStandIn
import EventSub
import Ingest
import JobQueue
import JSONValue
import NotificationMessages
import NotificationStore
import Notify
import Postgres
import Redis
import TestSupport
import Testing

/// The ingest outbox and the `notify` job against the stand-ins: one message per (event,
/// destination) however often Twitch delivers, rate limits waited out, failures retried or
/// disabling the destination, skips for cooldowns and opt-outs. Serialized: the tests share the
/// `notify` queue.
@Suite(.serialized) struct NotifyDeliveryTests {
    @Test func goLiveSendsOneDiscordMessageWithTheTitleEscapedAndOnlyTheTemplatesMentions() async throws {
        try await NotifyHarness.with { h in
            let (company, creator) = try h.company(login: "fixture")
            let webhook = h.state.createWebhook()
            let template = NotificationMessageTemplate(content: "<@&112233> {creator.displayName} is live!", title: "{creator.displayName} is live on Twitch",
                                                       description: "{stream.title}")
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL),
                                                templates: ["stream.online": template])
            try await h.setTitle(creator, title: "Ranked @everyone <@&999> **now**", category: "Chess")
            #expect(try await h.goLive(creator).stored.count == 1)
            let pending = try NotifyHarness.deliveries(destination: destination)
            #expect(pending.count == 1 && pending.first?.status == "pending" && pending.first?.eventID != nil)

            try await h.drain { try NotifyHarness.finished(destination: destination, count: 1) }
            let messages = h.state.messages(webhookID: webhook.id)
            try #require(messages.count == 1)
            let message = messages[0]
            #expect(message.allowedMentions == ["parse": [], "roles": ["112233"]])
            #expect(message.mentions.roles == ["112233"] && !message.mentions.everyone && message.mentions.users.isEmpty)
            #expect(message.content == "<@&112233> fixture is live!")
            let embed = try #require(message.embeds.first)
            #expect(embed["title"]?.stringValue == "fixture is live on Twitch")
            let description = embed["description"]?.stringValue ?? ""
            #expect(description.contains("@\u{200B}everyone") && !description.contains("<@&999>") && !description.contains("**now**"))
            #expect(embed["url"]?.stringValue == "https://www.twitch.tv/fixture")
            let row = try #require(try NotifyHarness.deliveries(destination: destination).first)
            #expect(row.status == "delivered" && row.attempts == 1 && row.responseStatus == 200 && row.lastError == nil)
            #expect(row.remoteMessageID == message.id && row.latencyMilliseconds != nil)
        }
    }

    @Test func aRedeliveredOrConcurrentlyDeliveredNotificationMakesOneDeliveryOneJobAndOneMessage() async throws {
        try await NotifyHarness.with { h in
            let (company, creator) = try h.company()
            let webhook = h.state.createWebhook()
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL))
            // Twitch retries while the first copy is being stored, at a second webhook instance,
            // and once more later.
            let logger = NotifyHarness.quietLogger("second-instance")
            let secondInstance = EventIngestor(postgres: h.pool, publisher: RoomPublisher(redis: h.redis, logger: logger),
                                               options: .init(maxBatch: 64, lanes: 1), logger: logger)
            let messageID = "online-twice-\(TestServices.uniqueTwitchUserID())"
            let data: JSONValue = ["streamId": "7", "streamType": "live", "startedAt": .string(NotifyHarness.now())]
            async let first = h.ingestor.ingest(h.notification(creator, type: "stream.online", messageID: messageID, data: data))
            async let second = secondInstance.ingest(h.notification(creator, type: "stream.online", messageID: messageID, data: data))
            let outcomes = try await [first, second]
            let later = try await h.goLive(creator, messageID: messageID)
            #expect(outcomes.map(\.stored.count).reduce(0, +) == 1)
            #expect(later.duplicate)
            let rows = try NotifyHarness.deliveries(destination: destination)
            let row = try #require(rows.first)
            #expect(rows.count == 1)
            // The job goes out right after the callers are answered.
            for _ in 0..<100 where try await h.queuedJobs(delivery: row.id) == 0 { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await h.queuedJobs(delivery: row.id) == 1)

            try await h.drain { try NotifyHarness.finished(destination: destination, count: 1) }
            #expect(h.state.messages(webhookID: webhook.id).count == 1)
            #expect(h.state.counters(webhookID: webhook.id).requests == 1)
        }
    }

    @Test func onlyAnnounceableTypesAboveTheThresholdsNotify() async throws {
        try await NotifyHarness.with { h in
            let (company, creator) = try h.company(login: "cheered")
            let webhook = h.state.createWebhook()
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL),
                                                eventTypes: ["channel.cheer", "channel.follow"])
            _ = try TestServices.superuserQuery("UPDATE notification_destinations SET min_bits = 100 WHERE id = $1", [destination])
            let viewer: JSONValue = ["id": "4242", "login": "viewer", "name": "Viewer"]
            func cheer(_ bits: Int64) -> NormalizedNotification {
                h.notification(creator, type: "channel.cheer", messageID: "cheer-\(TestServices.uniqueTwitchUserID())",
                               data: ["user": viewer, "isAnonymous": false, "bits": .int(bits), "message": "gg"])
            }
            #expect(try await h.ingestor.ingest(cheer(50)).stored.count == 1)
            #expect(try await h.ingestor.ingest(cheer(500)).stored.count == 1)
            // Follows never reach the outbox, whatever a row says: a follow storm costs nothing.
            let follow = h.notification(creator, type: "channel.follow", messageID: "follow-\(TestServices.uniqueTwitchUserID())",
                                        data: ["user": viewer, "followedAt": .string(NotifyHarness.now())])
            #expect(try await h.ingestor.ingest(follow).stored.count == 1)
            #expect(try NotifyHarness.deliveries(destination: destination).count == 1)

            try await h.drain { try NotifyHarness.finished(destination: destination, count: 1) }
            let message = try #require(h.state.messages(webhookID: webhook.id).first)
            #expect(message.embeds.first?["title"]?.stringValue == "500 bits cheered for cheered")
        }
    }

    @Test func slackAndSignedWebhookDestinationsGetTheirOwnShapes() async throws {
        try await NotifyHarness.with { h in
            let (company, creator) = try h.company(login: "shapes")
            let hook = h.state.createSlackHook()
            let secret = WebhookSecret.generate()
            let receiver = try h.state.registerReceiver(name: "notify-\(TestServices.uniqueTwitchUserID())", secret: secret)
            let slack = try h.destination(company: company, kind: .slack, url: hook.url(baseURL: h.standIn.baseURL))
            let signed = try h.destination(company: company, kind: .webhook, url: receiver.url(baseURL: h.standIn.baseURL), secret: secret)
            try await h.setTitle(creator, title: "<!channel> & friends", category: "Art")
            try await h.goLive(creator)
            let eventID = try #require(try NotifyHarness.deliveries(destination: signed).first?.eventID)

            try await h.drain { try NotifyHarness.finished(destination: slack, count: 1) && NotifyHarness.finished(destination: signed, count: 1) }
            let slackMessages = h.state.slackMessages(hookID: hook.hookID)
            try #require(slackMessages.count == 1)
            #expect(slackMessages[0].text == "shapes is live on Twitch")
            let section = slackMessages[0].body["blocks"]?.arrayValue?.first?["text"]?["text"]?.stringValue ?? ""
            #expect(section.contains("&lt;!channel&gt; &amp; friends") && !section.contains("<!channel>"))

            // The receiver verified the signature (it records only deliveries that verify).
            let deliveries = h.state.deliveries(receiver: receiver.name)
            try #require(deliveries.count == 1)
            #expect(deliveries[0].messageID == StandardWebhookSigner.messageID(eventID: String(eventID), destinationID: signed))
            #expect(!deliveries[0].isDuplicate)
            let body = try #require(deliveries[0].body)
            #expect(body["type"] == "stream.online")
            #expect(body["data"]?["creator"]?["login"] == "shapes" && body["data"]?["stream"]?["title"] == "<!channel> & friends")
            #expect(try NotifyHarness.deliveries(destination: slack).first?.status == "delivered")
            #expect(try NotifyHarness.deliveries(destination: signed).first?.status == "delivered")
        }
    }

    @Test func anAttemptThatTimedOutAfterTheReceiverAcceptedIsResentWithTheSameWebhookID() async throws {
        try await NotifyHarness.with { h in
            let (company, creator) = try h.company()
            let secret = WebhookSecret.generate()
            let receiver = try h.state.registerReceiver(name: "notify-\(TestServices.uniqueTwitchUserID())", secret: secret)
            let signed = try h.destination(company: company, kind: .webhook, url: receiver.url(baseURL: h.standIn.baseURL), secret: secret)
            // Accepted, but answered after the client's 3 s timeout: the sender cannot know.
            h.state.force([.delay(seconds: 4)], receiver: receiver.name)
            try await h.goLive(creator)

            try await h.drain { try NotifyHarness.finished(destination: signed, count: 1) }
            let row = try #require(try NotifyHarness.deliveries(destination: signed).first)
            #expect(row.status == "delivered" && row.attempts == 2)
            // The stand-in records the slow copy when it answers, after the retry's.
            for _ in 0..<60 where h.state.deliveries(receiver: receiver.name).count < 2 { try await Task.sleep(for: .milliseconds(50)) }
            let deliveries = h.state.deliveries(receiver: receiver.name)
            try #require(deliveries.count == 2)
            #expect(deliveries[0].messageID == deliveries[1].messageID)
            #expect(deliveries.filter(\.isDuplicate).count == 1 && h.state.counters(receiver: receiver.name).duplicates == 1)
        }
    }

    @Test func a429IsWaitedOutAndNeverHammered() async throws {
        try await NotifyHarness.with { h in
            let (company, creator) = try h.company()
            let webhook = h.state.createWebhook()
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL))
            h.state.force([.rateLimited(retryAfterSeconds: 1.2)], webhookID: webhook.id)
            let started = wallClockSeconds()
            try await h.goLive(creator)

            try await h.drain { try NotifyHarness.finished(destination: destination, count: 1) }
            let counters = h.state.counters(webhookID: webhook.id)
            #expect(counters.rateLimited == 1 && counters.hammering == 0 && counters.accepted == 1)
            let row = try #require(try NotifyHarness.deliveries(destination: destination).first)
            #expect(row.status == "delivered" && row.attempts == 2)
            #expect(wallClockSeconds() - started >= 1.2)
        }
    }

    @Test func aBurstOverTheWebhooksLimitWaitsForTheBucketInsteadOfSending() async throws {
        try await NotifyHarness.with { h in
            let company = try TestServices.makeCompany("Burst Agency")
            let webhook = h.state.createWebhook()
            h.state.setWebhookLimit(id: webhook.id, limit: 3, windowSeconds: 1)
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL))
            for index in 0..<7 { try await h.goLive(try h.creator(company: company, login: "burst\(index)")) }

            try await h.drain(seconds: 30) { try NotifyHarness.finished(destination: destination, count: 7) }
            let counters = h.state.counters(webhookID: webhook.id)
            #expect(counters.accepted == 7 && counters.rateLimited == 0 && counters.hammering == 0)
            #expect(try NotifyHarness.deliveries(destination: destination).allSatisfy { $0.status == "delivered" && $0.attempts == 1 })
        }
    }

    @Test func twoWorkersShareTheBucketsAndSendEveryMessageOnce() async throws {
        try await NotifyHarness.with { h in
            let company = try TestServices.makeCompany("Two Workers Agency")
            let webhooks = [h.state.createWebhook(), h.state.createWebhook()]
            for webhook in webhooks { h.state.setWebhookLimit(id: webhook.id, limit: 3, windowSeconds: 1) }
            let destinations = try webhooks.map { try h.destination(company: company, kind: .discord, url: $0.url(baseURL: h.standIn.baseURL)) }
            for index in 0..<6 { try await h.goLive(try h.creator(company: company, login: "pair\(index)")) }

            func done() throws -> Bool { try destinations.allSatisfy { try NotifyHarness.finished(destination: $0, count: 6) } }
            async let first: Void = h.drain(seconds: 30, consumer: "notify-test-a", until: done)
            async let second: Void = h.drain(seconds: 30, consumer: "notify-test-b", until: done)
            _ = try await (first, second)
            for (webhook, destination) in zip(webhooks, destinations) {
                let counters = h.state.counters(webhookID: webhook.id)
                #expect(counters.accepted == 6 && counters.requests == 6 && counters.rateLimited == 0 && counters.hammering == 0)
                #expect(try NotifyHarness.deliveries(destination: destination).allSatisfy { $0.status == "delivered" && $0.attempts == 1 })
            }
        }
    }

    @Test func serverErrorsAreRetriedThenDelivered() async throws {
        try await NotifyHarness.with { h in
            let (company, creator) = try h.company()
            let webhook = h.state.createWebhook()
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL))
            h.state.force([.status(502), .status(500)], webhookID: webhook.id)
            try await h.goLive(creator)

            try await h.drain { try NotifyHarness.finished(destination: destination, count: 1) }
            let row = try #require(try NotifyHarness.deliveries(destination: destination).first)
            #expect(row.status == "delivered" && row.attempts == 3 && row.responseStatus == 200)
            #expect(h.state.messages(webhookID: webhook.id).count == 1)
            #expect(h.state.counters(webhookID: webhook.id).forcedFailures == 2)
        }
    }

    @Test func failuresThatPersistEndInTheDeadLetterWithTheLastError() async throws {
        try await NotifyHarness.with(settings: NotifySettings(retryDelaysSeconds: [0.1])) { h in
            let (company, creator) = try h.company()
            let webhook = h.state.createWebhook()
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL))
            h.state.force([.status(503), .status(503)], webhookID: webhook.id)
            try await h.goLive(creator)

            try await h.drain { try NotifyHarness.finished(destination: destination, count: 1) }
            let row = try #require(try NotifyHarness.deliveries(destination: destination).first)
            #expect(row.status == "failed" && row.attempts == 2 && row.responseStatus == 503)
            #expect(row.lastError?.contains("gave up after 2 attempts: Discord 503") == true)
            #expect(try NotifyHarness.destinationState(destination).enabled)
        }
    }

    @Test func aDeletedWebhookDisablesTheDestinationWithTheReason() async throws {
        try await NotifyHarness.with { h in
            let (company, creator) = try h.company()
            let webhook = h.state.createWebhook()
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL))
            _ = h.state.deleteWebhook(id: webhook.id)
            try await h.goLive(creator)

            try await h.drain { try NotifyHarness.finished(destination: destination, count: 1) }
            let row = try #require(try NotifyHarness.deliveries(destination: destination).first)
            #expect(row.status == "disabled" && row.responseStatus == 404)
            let state = try NotifyHarness.destinationState(destination)
            #expect(!state.enabled && state.reason?.contains("Unknown Webhook") == true && state.reason?.contains("deleted") == true)
            // A disabled destination gets no more rows.
            try await h.goLive(try h.creator(company: company, login: "another"))
            #expect(try NotifyHarness.deliveries(destination: destination).count == 1)
        }
    }

    @Test func aGoneEndpointAndABlockedAddressDisableTheirDestinations() async throws {
        try await NotifyHarness.with { h in
            let (company, creator) = try h.company()
            let secret = WebhookSecret.generate()
            let receiver = try h.state.registerReceiver(name: "notify-\(TestServices.uniqueTwitchUserID())", secret: secret)
            let gone = try h.destination(company: company, kind: .webhook, url: receiver.url(baseURL: h.standIn.baseURL), secret: secret)
            h.state.force([.status(410)], receiver: receiver.name)
            let metadata = try h.destination(company: company, kind: .webhook, url: "http://169.254.169.254/latest/meta-data", secret: secret)
            try await h.goLive(creator)

            try await h.drain { try NotifyHarness.finished(destination: gone, count: 1) && NotifyHarness.finished(destination: metadata, count: 1) }
            #expect(try NotifyHarness.deliveries(destination: gone).first?.status == "disabled")
            #expect(try NotifyHarness.destinationState(gone).reason?.contains("410") == true)
            #expect(try NotifyHarness.deliveries(destination: metadata).first?.status == "disabled")
            #expect(try NotifyHarness.destinationState(metadata).reason?.contains("cloud metadata") == true)
        }
    }

    @Test func aDestinationDisabledMeanwhileIsNotSentTo() async throws {
        try await NotifyHarness.with { h in
            let (company, creator) = try h.company()
            let webhook = h.state.createWebhook()
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL))
            try await h.goLive(creator)
            _ = try TestServices.superuserQuery("""
                UPDATE notification_destinations SET enabled = false, disabled_reason = 'paused by an admin', disabled_at = now() WHERE id = $1
                """, [destination])

            try await h.drain { try NotifyHarness.finished(destination: destination, count: 1) }
            let row = try #require(try NotifyHarness.deliveries(destination: destination).first)
            #expect(row.status == "disabled" && row.attempts == 0 && row.lastError?.contains("paused by an admin") == true)
            #expect(h.state.counters(webhookID: webhook.id).requests == 0)
        }
    }

    @Test func cooldownsAndOptOutsAreLoggedAsSkippedAndSendNothing() async throws {
        try await NotifyHarness.with { h in
            let (company, flapping) = try h.company(login: "flapping")
            let shy = try h.creator(company: company, login: "shy")
            let webhook = h.state.createWebhook()
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL), cooldownSeconds: 600)
            try h.optOut(company: company, destination: destination, creator: shy.id)
            try await h.goLive(flapping)
            try await h.goLive(flapping)  // the stream flapped: a second go-live within the cooldown
            try await h.goLive(shy)

            try await h.drain { try NotifyHarness.finished(destination: destination, count: 3) }
            let rows = try NotifyHarness.deliveries(destination: destination)
            #expect(rows.map(\.status) == ["delivered", "skipped", "skipped"])
            #expect(rows.map(\.skipReason) == [nil, "cooldown", "opted_out"])
            #expect(h.state.messages(webhookID: webhook.id).count == 1)
        }
    }

    @Test func theSweeperSendsWhatALostJobOrAKilledWorkerLeftBehind() async throws {
        try await NotifyHarness.with { h in
            let (company, creator) = try h.company()
            let webhook = h.state.createWebhook()
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL))
            // Stored while Redis took no jobs: the row is pending and nothing is queued for it.
            let logger = NotifyHarness.quietLogger("no-redis")
            let withoutQueue = EventIngestor(postgres: h.pool, publisher: nil, options: .init(maxBatch: 64, lanes: 1), logger: logger)
            _ = try await withoutQueue.ingest(h.notification(creator, type: "stream.online", messageID: "lost-\(TestServices.uniqueTwitchUserID())",
                                                              data: ["streamId": "9", "startedAt": .string(NotifyHarness.now())]))
            let lost = try #require(try NotifyHarness.deliveries(destination: destination).first)
            // Lost long enough ago for the sweeper (which leaves rows whose job may still be queued).
            _ = try TestServices.superuserQuery("UPDATE notification_deliveries SET next_attempt_at = now() - interval '10 minutes' WHERE id = $1",
                                                [lost.id])
            // A second creator's delivery claimed by a worker that died mid-send.
            let other = try h.creator(company: company, login: "killed")
            _ = try await withoutQueue.ingest(h.notification(other, type: "stream.online", messageID: "killed-\(TestServices.uniqueTwitchUserID())",
                                                              data: ["streamId": "10", "startedAt": .string(NotifyHarness.now())]))
            let killed = try #require(try NotifyHarness.deliveries(destination: destination).last)
            let attempt = try await h.pool.tenant(company) { connection in try DeliveryRecord.claim(id: killed.id, claimSeconds: 0.3, on: connection) }
            #expect(attempt == 1)
            try await Task.sleep(for: .milliseconds(400))

            try await h.redis.withConnection { connection in _ = try NotifyRequest.queue.enqueue(NotifyRequest.sweepPayload, on: connection) }
            try await h.drain { try NotifyHarness.finished(destination: destination, count: 2) }
            let rows = try NotifyHarness.deliveries(destination: destination)
            #expect(rows.first { $0.id == lost.id }?.status == "delivered")
            #expect(rows.first { $0.id == killed.id }.map { $0.status == "delivered" && $0.attempts == 2 } == true)
            #expect(h.state.messages(webhookID: webhook.id).count == 2)
        }
    }

    @Test func aTestSendRendersASampleWhenTheCompanyHasNoEventOfTheType() async throws {
        try await NotifyHarness.with { h in
            let company = try TestServices.makeCompany("Test Send Agency")
            let webhook = h.state.createWebhook()
            let destination = try h.destination(company: company, kind: .discord, url: webhook.url(baseURL: h.standIn.baseURL))
            let connection = try PostgresConnection(url: try TestServices.adminURL())
            let id = try connection.withTenantScope(companyId: company) {
                try connection.query("""
                    INSERT INTO notification_deliveries (company_id, destination_id, event_type, status, test_send)
                    VALUES ($1, $2, 'stream.online', 'pending', true) RETURNING id
                    """, [company, destination]).first!.requireInt64("id")
            }
            try await h.redis.withConnection { connection in
                try NotifyRequest.enqueue([NotifyRequest.Delivery(id: id, companyID: company)], on: connection)
            }

            try await h.drain { try NotifyHarness.finished(destination: destination, count: 1) }
            let message = try #require(h.state.messages(webhookID: webhook.id).first)
            #expect(message.embeds.first?["title"]?.stringValue == "Sample Creator is live on Twitch")
            #expect(try NotifyHarness.deliveries(destination: destination).first?.status == "delivered")
        }
    }
}
