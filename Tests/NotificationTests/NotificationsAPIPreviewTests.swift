import JSONValue
import JobQueue
import NotificationMessages
import NotificationStore
import Postgres
import Redis
import TestSupport
import Testing

/// Previews render the exact body from the company's stored events (Twitch text made inert),
/// test sends queue one `notify` job, the delivery log pages, opt-outs, and the rules saved
/// through the API are the ones ingest's outbox applies.
@Suite struct NotificationsAPIPreviewTests {
    typealias Harness = NotificationsAPIHarness
    static let base = Harness.destinations

    /// A creator with a hostile name and stream title, and one stored `stream.online` event.
    static func liveCreator(company: String) throws -> (creator: String, eventID: Int64) {
        let creator = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID(), login: "fixture_tv", linked: false)
        let connection = try PostgresConnection(url: try TestServices.adminURL())
        let eventID = try connection.withTenantScope(companyId: company) { () -> Int64 in
            try connection.query("UPDATE creators SET display_name = 'Fixture <@&555>' WHERE id = $1", [creator])
            try connection.query("""
                INSERT INTO creator_status (creator_id, company_id, live, title, category_name, viewer_count, started_at)
                VALUES ($1, $2, true, '@everyone free drops <@&123> **now**', 'Just Chatting', 1200, now())
                """, [creator, company])
            return try connection.query("""
                INSERT INTO events (company_id, creator_id, twitch_message_id, subscription_type, subscription_version, occurred_at, data, payload)
                VALUES ($1, $2, $3, 'stream.online', '1', '2026-05-04T03:02:01Z', '{"streamId":"9","streamType":"live"}', '{}') RETURNING id
                """, [company, creator, "preview-\(UInt64.random(in: 0...UInt64.max))"]).first!.requireInt64("id")
        }
        return (creator, eventID)
    }

    @Test func previewRendersTheStoredEventWithTwitchTextInert() async throws {
        let api = try Harness()
        let (company, owner) = try Harness.company()
        let (creator, eventID) = try Self.liveCreator(company: company)
        let template: JSONValue = ["content": "<@&999> {creator.displayName} is live!", "title": "{creator.displayName}: {stream.title}",
                                   "description": "{stream.category}"]
        let created = await api.call("POST", Self.base, token: owner, body: [
            "name": "Community", "kind": "discord", "url": "https://discord.com/api/webhooks/1/abc", "templates": ["stream.online": template],
        ])
        let id = try #require(created.json["id"]?.stringValue, "\(created.text)")

        let preview = await api.call("POST", "\(Self.base)/\(id)/preview", token: owner)
        #expect(preview.status == 200, "\(preview.text)")
        #expect(preview.json["source"]?["type"] == "event" && preview.json["source"]?["eventId"] == .string(String(eventID)))
        #expect(preview.json["source"]?["creatorId"] == .string(creator))
        let body = try #require(preview.json["body"])
        // Only the template's own mention is allowed; nothing Twitch wrote pings.
        #expect(body["allowed_mentions"] == ["parse": [], "roles": ["999"]])
        let content = try #require(body["content"]?.stringValue)
        #expect(content.hasPrefix("<@&999> Fixture ") && !content.contains("<@&555>"))
        let title = try #require(body["embeds"]?.arrayValue?.first?["title"]?.stringValue)
        #expect(!title.contains("@everyone") && !title.contains("<@&123>") && !title.contains("**now**"), "\(title)")
        #expect(title.contains("everyone free drops"))
        #expect(body["embeds"]?.arrayValue?.first?["description"] == "Just Chatting")
        // Exactly what the delivery job sends: the same renderer over the same stored values.
        let stored = try #require(try Harness.stored(id, company: company))
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        let context = try connection.withTenantScope(companyId: company) { try NotificationEventContext.load(eventID: eventID, on: connection) }
        #expect(body == stored.kind.body(stored.template(for: "stream.online"), context: try #require(context)))

        // Before saving: the same for Slack (mrkdwn escaped) and a webhook (plain JSON values).
        let slack = await api.call("POST", "/api/notifications/preview", token: owner, body: ["kind": "slack", "template": ["title": "{stream.title}"]])
        #expect(slack.status == 200, "\(slack.text)")
        #expect(slack.json["source"]?["type"] == "event")
        // Slack's documented escaping: no `<` survives, so no `<!channel>`, `<@U…>` or disguised link.
        let slackText = try #require(slack.json["body"]?["text"]?.stringValue)
        #expect(slackText == "@everyone free drops &lt;@&amp;123&gt; **now**", "\(slackText)")
        let webhook = await api.call("POST", "/api/notifications/preview", token: owner, body: ["kind": "webhook"])
        #expect(webhook.json["body"]?["data"]?["stream"]?["title"] == "@everyone free drops <@&123> **now**")
        #expect(webhook.json["body"]?["type"] == "stream.online")

        // No stored event of the type: a labelled sample.
        let sample = await api.call("POST", "/api/notifications/preview", token: owner, body: ["kind": "discord", "eventType": "channel.cheer"])
        #expect(sample.status == 200)
        #expect(sample.json["source"]?["type"] == "sample" && sample.json["source"]?["note"]?.stringValue?.contains("sample") == true)
        #expect(JSONWriter.string(try #require(sample.json["body"])).contains("Sample Creator"))

        // A draft that saving would refuse is still previewed, with the problems saving would name.
        let draft = await api.call("POST", "\(Self.base)/\(id)/preview", token: owner, body: ["template": ["title": "{stream.nope} {stream.title}"]])
        #expect(draft.status == 200, "\(draft.text)")
        #expect(draft.json["problems"]?["template.title"]?.stringValue?.contains("unknown placeholder {stream.nope}") == true, "\(draft.text)")
        #expect(preview.json["problems"] == [:])
        let empty = await api.call("POST", "\(Self.base)/\(id)/preview", token: owner, body: ["template": ["title": "", "color": -1]])
        #expect(empty.status == 422 && empty.problem("template.title") != nil && empty.problem("template.color") != nil, "\(empty.text)")
        #expect(await api.call("POST", "/api/notifications/preview", token: owner, body: ["kind": "teams"]).problem("kind") != nil)
        #expect(await api.call("POST", "/api/notifications/preview", token: owner, body: ["kind": "discord", "eventType": "x"]).problem("eventType") != nil)
        await api.shutdown()
    }

    @Test func testSendQueuesExactlyOneJobAndShowsInTheLog() async throws {
        let api = try Harness()
        let (company, owner) = try Harness.company()
        let id = try #require(await api.call("POST", Self.base, token: owner, body: [
            "name": "Ops", "kind": "webhook", "url": "https://hooks.example.net/x",
        ]).json["id"]?.stringValue)

        let sent = await api.call("POST", "\(Self.base)/\(id)/test", token: owner, body: ["eventType": "channel.raid"])
        #expect(sent.status == 202, "\(sent.text)")
        let deliveryID = try #require(sent.json["deliveryId"]?.int64Value)
        let row = try #require(try TestServices.superuserQuery(
            "SELECT company_id, destination_id, event_id, event_type, status, test_send FROM notification_deliveries WHERE id = $1", [deliveryID]).first)
        #expect(row["company_id"] == company && row["destination_id"] == id && row["event_id"] == nil)
        #expect(row["event_type"] == "channel.raid" && row["status"] == "pending" && row.bool("test_send") == true)

        let redis = try TestServices.redisURL()
        let client = RedisClient(url: redis, size: 1)
        let entries = try await client.send(["XRANGE", "jobs:notify", "-", "+"]).array ?? []
        let jobs = entries.compactMap { entry -> Job? in
            guard let fields = entry.array?.last?.array, let text = fields.last?.string else { return nil }
            return Job(json: text)
        }.filter { $0.payload["deliveryId"]?.int64Value == deliveryID }
        #expect(jobs.count == 1)
        #expect(jobs.first?.payload == ["deliveryId": .int(deliveryID), "companyId": .string(company)])
        await client.shutdown()

        let log = await api.call("GET", "\(Self.base)/\(id)/deliveries", token: owner)
        #expect(log.status == 200)
        let first = try #require(log.json["data"]?.arrayValue?.first)
        #expect(first["id"] == .int(deliveryID) && first["testSend"] == true && first["status"] == "pending" && first["eventType"] == "channel.raid")
        #expect(first["eventId"] == .null && first["creator"] == .null && log.json["next"] == .null)

        // The default type, and a disabled destination refuses.
        let plain = await api.call("POST", "\(Self.base)/\(id)/test", token: owner)
        #expect(plain.status == 202)
        #expect(try TestServices.superuserQuery("SELECT event_type FROM notification_deliveries WHERE id = $1",
                                                [try #require(plain.json["deliveryId"]?.int64Value)]).first?["event_type"] == "stream.online")
        _ = await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["enabled": false])
        let refused = await api.call("POST", "\(Self.base)/\(id)/test", token: owner)
        #expect(refused.status == 409 && refused.json["error"]?["message"]?.stringValue?.contains("disabled by") == true)
        #expect(await api.call("POST", "\(Self.base)/\(id)/test", token: owner, body: ["eventType": "channel.follow"]).status == 422)
        await api.shutdown()
    }

    @Test func deliveryLogPagesNewestFirst() async throws {
        let api = try Harness()
        let (company, owner) = try Harness.company()
        let creator = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID(), login: "pager", linked: false)
        let id = try #require(await api.call("POST", Self.base, token: owner, body: [
            "name": "Ops", "kind": "webhook", "url": "https://hooks.example.net/x",
        ]).json["id"]?.stringValue)
        var ids: [Int64] = []
        for index in 0..<5 {
            ids.append(try TestServices.superuserQuery("""
                INSERT INTO notification_deliveries (company_id, destination_id, event_id, creator_id, event_type, status, attempts, response_status,
                                                     last_error, latency_ms, skip_reason, finished_at)
                VALUES ($1, $2, $3, $4, 'stream.online', $5, 1, $6, $7, 42, $8, now()) RETURNING id
                """, [company, id, Int64.random(in: 1...Int64.max / 2), creator, index == 0 ? "skipped" : "delivered", index == 0 ? nil : 204,
                      nil, index == 0 ? "cooldown" : nil]).first!.requireInt64("id"))
        }
        let page1 = await api.call("GET", "\(Self.base)/\(id)/deliveries?limit=2", token: owner)
        #expect(page1.json["data"]?.arrayValue?.compactMap { $0["id"]?.int64Value } == [ids[4], ids[3]])
        #expect(page1.json["data"]?.arrayValue?.first?["creator"] == ["id": .string(creator), "login": "pager", "displayName": "pager"])
        #expect(page1.json["data"]?.arrayValue?.first?["responseStatus"] == 204 && page1.json["data"]?.arrayValue?.first?["latencyMs"] == 42)
        let before = try #require(page1.json["next"]?["before"]?.int64Value)
        let page2 = await api.call("GET", "\(Self.base)/\(id)/deliveries?limit=2&before=\(before)", token: owner)
        #expect(page2.json["data"]?.arrayValue?.compactMap { $0["id"]?.int64Value } == [ids[2], ids[1]])
        let page3 = await api.call("GET", "\(Self.base)/\(id)/deliveries?limit=2&before=\(ids[1])", token: owner)
        #expect(page3.json["data"]?.arrayValue?.count == 1 && page3.json["next"] == .null)
        #expect(page3.json["data"]?.arrayValue?.first?["status"] == "skipped" && page3.json["data"]?.arrayValue?.first?["skipReason"] == "cooldown")
        #expect(await api.call("GET", "\(Self.base)/\(id)/deliveries?limit=0", token: owner).problem("limit") != nil)
        #expect(await api.call("GET", "\(Self.base)/\(id)/deliveries?before=x", token: owner).problem("before") != nil)
        await api.shutdown()
    }

    @Test func optOutsAreListedAndKeepTheOutboxQuiet() async throws {
        let api = try Harness()
        let (company, owner) = try Harness.company()
        let (other, _) = try Harness.company("Other Agency")
        let quiet = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID(), login: "quiet", linked: false)
        let loud = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID(), login: "loud", linked: false)
        let foreign = try TestServices.addCreator(company: other, twitchUserID: TestServices.uniqueTwitchUserID(), login: "foreign", linked: false)
        let id = try #require(await api.call("POST", Self.base, token: owner, body: [
            "name": "Community", "kind": "discord", "url": "https://discord.com/api/webhooks/1/abc", "eventTypes": ["stream.online", "channel.cheer"],
            "minBits": 100, "creators": ["scope": "creators", "ids": [.string(quiet), .string(loud)]],
        ]).json["id"]?.stringValue)

        let out = await api.call("PUT", "\(Self.base)/\(id)/opt-outs/\(quiet)", token: owner)
        #expect(out.status == 200)
        #expect(out.json["optOuts"]?.arrayValue?.compactMap { $0["creatorId"]?.stringValue } == [quiet])
        #expect(out.json["optOuts"]?.arrayValue?.first?["login"] == "quiet")
        #expect(await api.call("PUT", "\(Self.base)/\(id)/opt-outs/\(quiet)", token: owner).json["optOuts"]?.arrayValue?.count == 1)
        #expect(await api.call("GET", Self.base, token: owner).json["data"]?.arrayValue?.first?["optOuts"]?.arrayValue?.count == 1)
        #expect(await api.call("PUT", "\(Self.base)/\(id)/opt-outs/\(foreign)", token: owner).status == 404)
        #expect(await api.call("PUT", "\(Self.base)/\(id)/opt-outs/nope", token: owner).status == 404)
        #expect(await api.call("PUT", "\(Self.base)/00000000-0000-4000-8000-000000000000/opt-outs/\(quiet)", token: owner).status == 404)

        // Ingest's outbox applies what was saved: scope, thresholds, the opt-out.
        func outbox(_ events: [(creator: String, type: String, data: JSONValue)]) throws -> [String: String] {
            let batch: [JSONValue] = events.map { event in
                ["e": .int(Int64.random(in: 1...Int64.max / 2)), "k": .string(company), "c": .string(event.creator), "t": .string(event.type), "d": event.data]
            }
            let connection = try PostgresConnection(url: try TestServices.databaseURL())
            _ = try connection.query("SELECT * FROM notification_outbox($1::jsonb)", [JSONWriter.string(.array(batch))])
            let ids = batch.compactMap { $0["e"]?.int64Value }.map(String.init)
            var outcome: [String: String] = [:]
            for row in try TestServices.superuserQuery("""
                SELECT event_id, status, skip_reason FROM notification_deliveries WHERE destination_id = $1 AND event_id = ANY ($2::bigint[])
                """, [id, PostgresArray.literal(ids)]).rows {
                let index = ids.firstIndex(of: row["event_id"] ?? "")!
                outcome["\(events[index].creator == quiet ? "quiet" : "loud") \(events[index].type)"] = row["status"]! + (row["skip_reason"].map { ":" + $0 } ?? "")
            }
            return outcome
        }
        let outcome = try outbox([(quiet, "stream.online", [:]), (loud, "stream.online", [:]), (loud, "channel.cheer", ["bits": 50]),
                                  (loud, "stream.offline", [:])])
        #expect(outcome == ["quiet stream.online": "skipped:opted_out", "loud stream.online": "pending"])

        let back = await api.call("DELETE", "\(Self.base)/\(id)/opt-outs/\(quiet)", token: owner)
        #expect(back.status == 200 && back.json["optOuts"] == [])
        #expect(await api.call("DELETE", "\(Self.base)/\(id)/opt-outs/\(quiet)", token: owner).status == 200)
        _ = await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["cooldownSeconds": 0])
        #expect(try outbox([(quiet, "stream.online", [:]), (loud, "channel.cheer", ["bits": 100])])
                == ["quiet stream.online": "pending", "loud channel.cheer": "pending"])
        let actions = try TestServices.superuserQuery(
            "SELECT action FROM audit_logs WHERE target_id = $1 AND action LIKE '%opt%' ORDER BY id", [id]).rows.compactMap { $0["action"] }
        #expect(actions == ["notification_destination.opt_out", "notification_destination.opt_in"])
        await api.shutdown()
    }
}
