import AccessTokens
import JSONValue
import NotificationMessages
import NotificationStore
import Notifications
import Postgres
import SecretSealing
import TestSupport
import Testing

/// The destinations REST API against real Postgres: create, read, change, delete; the signing
/// secret shown once; rules and templates validated at save time; roles.
@Suite struct NotificationsAPITests {
    typealias Harness = NotificationsAPIHarness
    static let base = Harness.destinations

    static let webhookBody: JSONValue = ["name": "Ops receiver", "kind": "webhook", "url": "https://hooks.example.net/ccr/incoming-7f3a"]

    @Test func createsReadsChangesAndDeletesWithTheSecretShownOnce() async throws {
        let api = try Harness()
        let (company, owner) = try Harness.company()

        let created = await api.call("POST", Self.base, token: owner, body: Self.webhookBody)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"]?.stringValue)
        let secret = try #require(created.json["secret"]?.stringValue)
        #expect(secret.hasPrefix("whsec_") && WebhookSecret(secret) != nil)
        #expect(created.json["kind"] == "webhook" && created.json["enabled"] == true && created.json["hasSecret"] == true)
        #expect(created.json["urlHint"] == "https://hooks.example.net/…7f3a")
        #expect(created.json["eventTypes"] == ["stream.online"] && created.json["cooldownSeconds"] == 600)
        #expect(created.json["creators"] == ["scope": "all"] && created.json["templates"] == [:])
        #expect(created.json["url"] == nil)

        // Never again: not in GET, not in the list.
        let read = await api.call("GET", "\(Self.base)/\(id)", token: owner)
        #expect(read.status == 200)
        #expect(read.json["secret"] == nil && read.json["url"] == nil && read.json["optOuts"] == [])
        #expect(!read.text.contains(secret) && !read.text.contains("incoming-7f3a"))
        let list = await api.call("GET", Self.base, token: owner)
        #expect(list.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [id])
        #expect(!list.text.contains(secret))

        // What the delivery job opens is what was shown.
        let stored = try #require(try Harness.stored(id, company: company))
        #expect(try stored.openWebhookSecret(with: Harness.keys)?.encoded == secret)
        #expect(try stored.openURL(with: Harness.keys).reveal() == "https://hooks.example.net/ccr/incoming-7f3a")
        #expect(stored.template(for: "stream.online") == .standard(for: "stream.online"))

        // Change rules, thresholds and a template.
        let changed = await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: [
            "name": "Ops", "eventTypes": ["channel.cheer", "stream.online"], "minBits": 500, "cooldownSeconds": 0,
            "creators": ["scope": "topics", "topics": ["fps", "fps", "irl"]],
            "templates": ["channel.cheer": ["title": "{cheer.bits} bits for {creator.displayName}", "color": 0x00FF00, "showsFields": false]],
        ])
        #expect(changed.status == 200, "\(changed.text)")
        #expect(changed.json["name"] == "Ops" && changed.json["minBits"] == 500 && changed.json["cooldownSeconds"] == 0)
        #expect(changed.json["eventTypes"] == ["stream.online", "channel.cheer"])
        #expect(changed.json["creators"] == ["scope": "topics", "topics": ["fps", "irl"]])
        #expect(changed.json["templates"]?["channel.cheer"]?["color"] == 0x00FF00)
        let reloaded = try #require(try Harness.stored(id, company: company))
        #expect(reloaded.template(for: "channel.cheer").title.text == "{cheer.bits} bits for {creator.displayName}")
        #expect(reloaded.template(for: "channel.cheer").showsFields == false)
        #expect(reloaded.creatorScope == .topics(["fps", "irl"]))
        // The URL was left alone.
        #expect(try reloaded.openURL(with: Harness.keys).reveal() == "https://hooks.example.net/ccr/incoming-7f3a")

        // Rotation: a new secret, shown once, and the stored one is it.
        let rotated = await api.call("POST", "\(Self.base)/\(id)/secret", token: owner)
        #expect(rotated.status == 200)
        let newSecret = try #require(rotated.json["secret"]?.stringValue)
        #expect(newSecret != secret && newSecret.hasPrefix("whsec_"))
        #expect(try Harness.stored(id, company: company)?.openWebhookSecret(with: Harness.keys)?.encoded == newSecret)

        let audit = try TestServices.superuserQuery(
            "SELECT action FROM audit_logs WHERE company_id = $1 AND target_id = $2 ORDER BY id", [company, id]).rows.compactMap { $0["action"] }
        #expect(audit == ["notification_destination.create", "notification_destination.update", "notification_destination.rotate_secret"])

        #expect(await api.call("DELETE", "\(Self.base)/\(id)", token: owner).status == 204)
        #expect(await api.call("GET", "\(Self.base)/\(id)", token: owner).status == 404)
        #expect(await api.call("DELETE", "\(Self.base)/\(id)", token: owner).status == 404)
        #expect(try TestServices.superuserQuery("SELECT count(*) AS n FROM audit_logs WHERE target_id = $1 AND action = 'notification_destination.delete'",
                                                [id]).first!.requireInt64("n") == 1)
        await api.shutdown()
    }

    @Test func discordURLsArePinnedToTheAPIVersionAndBotsAreOptional() async throws {
        let api = try Harness()
        let (company, owner) = try Harness.company()
        let created = await api.call("POST", Self.base, token: owner, body: [
            "name": "Community", "kind": "discord", "url": "https://discordapp.com/api/webhooks/123456789012345678/Tok-en_Value?thread_id=42",
            "bot": ["token": "bot.token.value", "channelId": "998877"],
        ])
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["secret"] == nil)
        #expect(created.json["bot"] == ["channelId": "998877", "hasToken": true])
        let id = try #require(created.json["id"]?.stringValue)
        let stored = try #require(try Harness.stored(id, company: company))
        #expect(try stored.openURL(with: Harness.keys).reveal() == "https://discordapp.com/api/v10/webhooks/123456789012345678/Tok-en_Value?thread_id=42")
        #expect(try stored.openSecret(with: Harness.keys)?.reveal() == "bot.token.value")
        #expect(stored.discordChannelID == "998877")

        // A URL of another kind does not fit this destination: its state refuses it (409), not the body.
        let slackURL = await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["url": "https://hooks.slack.com/services/T0/B0/X"])
        #expect(slackURL.status == 409 && slackURL.json["error"]?["message"]?.stringValue?.contains("discord destination") == true, "\(slackURL.text)")
        let moved = await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["url": "https://discord.com/api/webhooks/77/new-token"])
        #expect(moved.status == 200)
        #expect(try Harness.stored(id, company: company)?.openURL(with: Harness.keys).reveal() == "https://discord.com/api/v10/webhooks/77/new-token")
        let noBot = await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["bot": .null])
        #expect(noBot.status == 200 && noBot.json["bot"] == .null)
        #expect(try Harness.stored(id, company: company)?.sealedSecret == nil)

        let slack = await api.call("POST", Self.base, token: owner, body: [
            "name": "Staff", "kind": "slack", "url": "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXX", "bot": ["token": "x", "channelId": "1"],
        ])
        #expect(slack.status == 422 && slack.problem("bot") != nil)
        await api.shutdown()
    }

    @Test func refusesBadURLsAtSaveTime() async throws {
        let api = try Harness()
        let (_, owner) = try Harness.company()
        func problem(_ kind: String, _ url: String) async -> String? {
            let reply = await api.call("POST", Self.base, token: owner, body: ["name": "x", "kind": .string(kind), "url": .string(url)])
            #expect(reply.status == 422, "\(kind) \(url): \(reply.text)")
            #expect(reply.json["error"]?["code"] == "validation_failed")
            return reply.problem("url")
        }
        #expect(await problem("webhook", "ftp://files.example.net/hook")?.contains("only https") == true)
        #expect(await problem("webhook", "http://hooks.example.net/hook")?.contains("only https") == true)
        #expect(await problem("webhook", "https://10.1.2.3/hook")?.contains("public address") == true)
        #expect(await problem("webhook", "https://127.0.0.1:8443/hook")?.contains("public address") == true)
        #expect(await problem("webhook", "https://localhost/hook")?.contains("loopback") == true)
        #expect(await problem("webhook", "https://169.254.169.254/latest/meta-data") != nil)
        #expect(await problem("webhook", "https://user:pw@hooks.example.net/") != nil)
        #expect(await problem("discord", "https://evil.example.net/api/webhooks/1/abc")?.contains("not a Discord host") == true)
        #expect(await problem("discord", "https://discord.com/channels/1/2")?.contains("not a Discord webhook URL") == true)
        #expect(await problem("slack", "https://hooks.slack.com.evil.example/services/T/B/X")?.contains("not a Slack webhook host") == true)
        #expect(await problem("slack", "http://hooks.slack.com/services/T/B/X")?.contains("only https") == true)

        let missing = await api.call("POST", Self.base, token: owner, body: ["kind": "teams"])
        #expect(missing.status == 422 && missing.problem("name") != nil && missing.problem("url") != nil && missing.problem("kind") != nil)
        let unknownField = await api.call("POST", Self.base, token: owner, body: ["name": "x", "kind": "webhook", "url": "https://a.example/", "colour": 1])
        #expect(unknownField.problem("colour") == "is not a known field")

        // The local stand-ins: loopback http with OUTBOUND_ALLOW_PRIVATE and a listed Discord host.
        let local = try Harness(urlRules: Harness.privateAllowed)
        let standIn = await local.call("POST", Self.base, token: owner, body: [
            "name": "stand-in", "kind": "discord", "url": "http://127.0.0.1:8790/api/webhooks/1/abc",
        ])
        #expect(standIn.status == 201, "\(standIn.text)")
        #expect(standIn.json["urlHint"] == "http://127.0.0.1:8790/…/abc")
        let metadata = await local.call("POST", Self.base, token: owner, body: ["name": "x", "kind": "webhook", "url": "http://169.254.169.254/"])
        #expect(metadata.status == 422, "link-local stays refused even when private addresses are allowed")
        await local.shutdown()
        await api.shutdown()
    }

    @Test func refusesBadRulesAndTemplatesNamingTheField() async throws {
        let api = try Harness()
        let (company, owner) = try Harness.company()
        let (other, _) = try Harness.company("Other Agency")
        let ours = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID(), login: "ours", linked: false)
        let theirs = try TestServices.addCreator(company: other, twitchUserID: TestServices.uniqueTwitchUserID(), login: "theirs", linked: false)
        func create(_ extra: [String: JSONValue], kind: String = "discord") async -> NotificationsAPIHarness.Reply {
            var body: [String: JSONValue] = ["name": "x", "kind": .string(kind), "url": "https://discord.com/api/webhooks/1/abc"]
            if kind != "discord" { body["url"] = "https://hooks.example.net/x" }
            for (key, value) in extra { body[key] = value }
            return await api.call("POST", Self.base, token: owner, body: .object(body))
        }

        let unknown = await create(["templates": ["stream.online": ["title": "{creator.name} is live", "description": "{stream.title}"]]])
        #expect(unknown.status == 422)
        #expect(unknown.problem("templates.stream.online.title")?.contains("unknown placeholder {creator.name}") == true, "\(unknown.text)")

        let long = await create(["templates": ["stream.online": ["title": "{stream.title} {stream.category}"]]])
        #expect(long.problem("templates.stream.online.title")?.contains("a Discord embed title allows 256") == true, "\(long.text)")
        // The same text fits a webhook's larger limit.
        #expect(await create(["templates": ["stream.online": ["title": "{stream.title} {stream.category}"]]], kind: "webhook").status == 201)

        let slackLong = await api.call("POST", Self.base, token: owner, body: [
            "name": "x", "kind": "slack", "url": "https://hooks.slack.com/services/T/B/X",
            "templates": ["channel.cheer": ["title": .string(String(repeating: "{event.message}", count: 7))]],
        ])
        #expect(slackLong.problem("templates.channel.cheer.title") != nil, "\(slackLong.text)")

        #expect(await create(["templates": ["channel.follow": ["title": "x"]]]).problem("templates.channel.follow") != nil)
        #expect(await create(["templates": ["stream.online": ["title": 5]]]).problem("templates.stream.online.title") == "must be a string")
        #expect(await create(["templates": ["stream.online": ["title": "x", "color": 0x1000000]]]).problem("templates.stream.online.color") != nil)
        #expect(await create(["templates": ["stream.online": ["title": "", "content": ""]]]).problem("templates.stream.online.title") != nil)
        #expect(await create(["templates": ["stream.online": ["title": "a\u{0}b"]]]).problem("templates.stream.online.title") != nil)

        let foreign = await create(["creators": ["scope": "creators", "ids": [.string(ours), .string(theirs)]]])
        #expect(foreign.status == 404 && foreign.problem("creators")?.contains(theirs) == true && foreign.problem("creators")?.contains(ours) == false,
                "\(foreign.text)")
        #expect(await create(["creators": ["scope": "creators", "ids": ["not-a-uuid"]]]).problem("creators") != nil)
        #expect(await create(["creators": ["scope": "everyone"]]).problem("creators") != nil)
        #expect(await create(["creators": ["scope": "topics", "topics": []]]).problem("creators") != nil)
        #expect(await create(["eventTypes": []]).problem("eventTypes") != nil)
        #expect(await create(["eventTypes": ["channel.follow"]]).problem("eventTypes") != nil)
        #expect(await create(["eventTypes": ["stream.online", "stream.online"]]).problem("eventTypes") != nil)
        #expect(await create(["minBits": -1]).problem("minBits") != nil)
        #expect(await create(["cooldownSeconds": 86_401]).problem("cooldownSeconds") != nil)
        #expect(await create(["minRaidViewers": 1.5]).problem("minRaidViewers") != nil)

        let good = await create(["creators": ["scope": "creators", "ids": [.string(ours.uppercased())]], "minRaidViewers": 10,
                                 "eventTypes": ["channel.raid"]])
        #expect(good.status == 201, "\(good.text)")
        #expect(good.json["creators"] == ["scope": "creators", "ids": [.string(ours)]])
        let id = try #require(good.json["id"]?.stringValue)
        let kindChange = await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["kind": "slack"])
        #expect(kindChange.status == 422 && kindChange.problem("kind") != nil)
        let foreignLater = await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["creators": ["scope": "creators", "ids": [.string(theirs)]]])
        #expect(foreignLater.status == 404 && foreignLater.problem("creators") != nil)
        #expect(await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["name": .null, "url": .null]).problem("url") == "must be a string")
        // Nothing half-written: the refused PATCH left the destination as it was.
        #expect(try Harness.stored(id, company: company)?.creatorScope == .creators([ours]))
        await api.shutdown()
    }

    @Test func enablingAndDisablingRecordWhoAndWhy() async throws {
        let api = try Harness()
        let (company, owner) = try Harness.company()
        let id = try #require(await api.call("POST", Self.base, token: owner, body: Self.webhookBody).json["id"]?.stringValue)

        let disabled = await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["enabled": false])
        #expect(disabled.json["enabled"] == false && disabled.json["disabledReason"] == "disabled by notify-owner@example.com")
        #expect(disabled.json["disabledAt"]?.stringValue != nil)
        let enabled = await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["enabled": true])
        #expect(enabled.json["enabled"] == true && enabled.json["disabledReason"] == .null && enabled.json["disabledAt"] == .null)

        // Disabled by delivery (Discord said the webhook is gone): disabling again keeps that reason,
        // re-enabling clears it.
        try TestServices.superuserQuery("""
            UPDATE notification_destinations SET enabled = false, disabled_reason = 'Discord answered 404: the webhook was deleted', disabled_at = now()
            WHERE id = $1
            """, [id])
        #expect(await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["enabled": false]).json["disabledReason"]
                == "Discord answered 404: the webhook was deleted")
        let back = await api.call("PATCH", "\(Self.base)/\(id)", token: owner, body: ["enabled": true])
        #expect(back.json["enabled"] == true && back.json["disabledReason"] == .null)
        #expect(try Harness.stored(id, company: company)?.enabled == true)

        let createdOff = await api.call("POST", Self.base, token: owner, body: [
            "name": "later", "kind": "webhook", "url": "https://hooks.example.net/x", "enabled": false,
        ])
        #expect(createdOff.status == 201 && createdOff.json["disabledReason"] == "disabled by notify-owner@example.com")
        await api.shutdown()
    }

    @Test func onlyOwnersAndAdminsManageNotifications() async throws {
        let api = try Harness()
        let (company, owner) = try Harness.company()
        let creator = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID(), linked: false)
        let id = try #require(await api.call("POST", Self.base, token: owner, body: Self.webhookBody).json["id"]?.stringValue)
        let routes: [(String, String, JSONValue?)] = [
            ("GET", Self.base, nil), ("POST", Self.base, Self.webhookBody), ("GET", "\(Self.base)/\(id)", nil),
            ("PATCH", "\(Self.base)/\(id)", ["name": "renamed"]), ("POST", "\(Self.base)/\(id)/secret", nil),
            ("PUT", "\(Self.base)/\(id)/opt-outs/\(creator)", nil), ("DELETE", "\(Self.base)/\(id)/opt-outs/\(creator)", nil),
            ("POST", "\(Self.base)/\(id)/preview", nil), ("POST", "\(Self.base)/\(id)/test", nil), ("GET", "\(Self.base)/\(id)/deliveries", nil),
            ("POST", "/api/notifications/preview", ["kind": "discord"]), ("DELETE", "\(Self.base)/\(id)", nil),
        ]
        for role in [Role.viewer, .operator] {
            let token = Harness.token(company: company, role: role)
            for (method, path, body) in routes {
                let reply = await api.call(method, path, token: token, body: body)
                #expect(reply.status == 403, "\(role) \(method) \(path): \(reply.status)")
            }
        }
        let admin = Harness.token(company: company, role: .admin)
        for (method, path, body) in routes {
            let reply = await api.call(method, path, token: admin, body: body)
            #expect((200...299).contains(reply.status), "admin \(method) \(path): \(reply.text)")
        }
        #expect(await api.call("GET", Self.base, token: nil).status == 401)
        await api.shutdown()
    }
}
