import DiscordStandIn
import JSONValue
import Testing

/// Discord's Execute Webhook as the stand-in serves it over HTTP: answers, validation errors with
/// Discord's bodies, dead webhooks and which mentions would ping.
@Suite struct DiscordStandInExecuteTests {
    @Test func answers204OrTheMessageObjectWithWait() async throws {
        try await DiscordStandInFixture.with { standIn in
            let webhook = standIn.state.createWebhook(name: "Alerts")
            let quiet = try await standIn.execute(webhook, content: "first")
            #expect(quiet.status == 204 && quiet.body.isEmpty)

            let waited = try await standIn.post(webhook.path + "?wait=true&thread_id=42", json: [
                "content": "second", "username": "Go-live bot", "embeds": [["title": "Live now", "description": "Come watch"]],
            ])
            #expect(waited.status == 200)
            #expect(waited.header("content-type") == "application/json")
            let message = waited.json
            let id = try #require(message["id"]?.stringValue)
            #expect(!id.isEmpty && id.allSatisfy(\.isNumber), "a snowflake: \(id)")
            #expect(message["webhook_id"]?.stringValue == webhook.id)
            #expect(message["channel_id"]?.stringValue == "42", "a message posted into a thread belongs to the thread")
            #expect(message["content"]?.stringValue == "second")
            #expect(message["author"]?["username"]?.stringValue == "Go-live bot")
            #expect(message["embeds"]?.arrayValue?.first?["title"]?.stringValue == "Live now")
            #expect(message["timestamp"]?.stringValue?.hasPrefix("20") == true)
            #expect(message["mention_everyone"] == .bool(false) && message["mentions"] == [] && message["mention_roles"] == [])

            // The unversioned path (what users paste) is the same webhook.
            let unversioned = try await standIn.post("/api/webhooks/\(webhook.id)/\(webhook.token)?wait=1", json: ["content": "third"])
            #expect(unversioned.status == 200)
            #expect(unversioned.json["id"]?.stringValue != id)

            let recorded = standIn.state.messages(webhookID: webhook.id)
            #expect(recorded.map(\.content) == ["first", "second", "third"])
            #expect(recorded[1].id == id && recorded[1].threadID == "42")
            #expect(String(decoding: recorded[0].rawBody, as: UTF8.self) == #"{"content":"first"}"#)
            #expect(standIn.state.counters(webhookID: webhook.id).accepted == 3)

            // Get Webhook with Token: the webhook object, for checking a pasted URL.
            let object = try await standIn.request("GET", webhook.path)
            #expect(object.status == 200)
            #expect(object.json["id"]?.stringValue == webhook.id && object.json["type"] == 1 && object.json["name"] == "Alerts")
        }
    }

    @Test func refusesWhatDiscordRefusesWithItsBodies() async throws {
        try await DiscordStandInFixture.with(DiscordStandInConfiguration(webhookLimit: 100, globalLimit: 1000)) { standIn in
            let webhook = standIn.state.createWebhook()
            func errors(_ body: JSONValue) async throws -> JSONValue {
                let reply = try await standIn.post(webhook.path, json: body)
                #expect(reply.status == 400)
                #expect(reply.json["code"] == 50035 && reply.json["message"] == "Invalid Form Body", "\(reply.text)")
                return reply.json["errors"] ?? .null
            }
            let empty: JSONValue = ["message": "Cannot send an empty message", "code": 50006]
            for body: JSONValue in [[:], ["content": ""], ["content": "  \n "], ["embeds": []], ["content": .null]] {
                let reply = try await standIn.post(webhook.path, json: body)
                #expect(reply.status == 400 && reply.json == empty, "\(body): \(reply.text)")
            }
            let invalidJSON = try await standIn.post(webhook.path, text: "{\"content\": ")
            #expect(invalidJSON.status == 400 && invalidJSON.json == ["message": "The request body contains invalid JSON.", "code": 50109])

            func maximum(_ limit: Int) -> JSONValue {
                ["_errors": [["code": "BASE_TYPE_MAX_LENGTH", "message": .string("Must be \(limit) or fewer in length.")]]]
            }
            #expect(try await errors(["content": .string(String(repeating: "a", count: 2001))]) == ["content": maximum(2000)])
            #expect(try await standIn.execute(webhook, content: String(repeating: "é", count: 2000)).status == 204, "2000 is allowed")
            let embed: JSONValue = ["title": "t"]
            #expect(try await errors(["embeds": .array(Array(repeating: embed, count: 11))]) == ["embeds": maximum(10)])
            #expect(try await errors(["embeds": [["title": .string(String(repeating: "t", count: 257))]]]) == ["embeds": ["0": ["title": maximum(256)]]])
            #expect(try await errors(["embeds": [["description": .string(String(repeating: "d", count: 4097))]]])
                    == ["embeds": ["0": ["description": maximum(4096)]]])
            let field: JSONValue = ["name": "n", "value": "v"]
            #expect(try await errors(["embeds": [["fields": .array(Array(repeating: field, count: 26))]]]) == ["embeds": ["0": ["fields": maximum(25)]]])
            #expect(try await errors(["embeds": [["fields": [["name": "n", "value": .string(String(repeating: "v", count: 1025))]]]]])
                    == ["embeds": ["0": ["fields": ["0": ["value": maximum(1024)]]]]])
            #expect(try await errors(["embeds": [["fields": [["name": "n"]]]]])
                    == ["embeds": ["0": ["fields": ["0": ["value": ["_errors": [["code": "BASE_TYPE_REQUIRED", "message": "This field is required"]]]]]]]])
            #expect(try await errors(["embeds": [["footer": ["text": .string(String(repeating: "f", count: 2049))]]]])
                    == ["embeds": ["0": ["footer": ["text": maximum(2048)]]]])
            #expect(try await errors(["embeds": [["author": ["name": .string(String(repeating: "a", count: 257))]]]])
                    == ["embeds": ["0": ["author": ["name": maximum(256)]]]])
            // Each embed within its own limits, but 2 × 3001 over the 6000 in total.
            let half: JSONValue = ["description": .string(String(repeating: "d", count: 3001))]
            #expect(try await errors(["embeds": [half, half]])
                    == ["embeds": ["_errors": [["code": "MAX_EMBED_SIZE_EXCEEDED", "message": "Embed size exceeds maximum size of 6000"]]]])
            let exactly: JSONValue = ["description": .string(String(repeating: "d", count: 3000))]
            #expect(try await standIn.post(webhook.path, json: ["embeds": [exactly, exactly]]).status == 204, "6000 is allowed")
            #expect(try await errors(["content": "x", "allowed_mentions": ["parse": ["users"], "users": ["1"]]])["allowed_mentions"]?["_errors"]?
                .arrayValue?.first?["code"] == "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE")
            #expect(try await errors(["content": "x", "allowed_mentions": ["parse": ["channels"]]])["allowed_mentions"]?["parse"]?["0"] != nil)
            #expect(try await errors(["content": "x", "username": ""]) == ["username": ["_errors": [["code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 1 and 80 in length."]]]])

            #expect(standIn.state.messages(webhookID: webhook.id).map(\.content) == [String(repeating: "é", count: 2000), ""],
                    "refused requests are not recorded")
        }
    }

    @Test func unknownDeletedAndWrongTokenWebhooks() async throws {
        try await DiscordStandInFixture.with { standIn in
            let webhook = standIn.state.createWebhook()
            let unknown = try await standIn.post("/api/v10/webhooks/123456789012345678/\(webhook.token)", json: ["content": "x"])
            #expect(unknown.status == 404 && unknown.json == ["message": "Unknown Webhook", "code": 10015])
            #expect(unknown.header("x-ratelimit-bucket") != nil, "rate-limit headers on every answer")
            let wrongToken = try await standIn.post("/api/v10/webhooks/\(webhook.id)/\(webhook.token)x", json: ["content": "x"])
            #expect(wrongToken.status == 401 && wrongToken.json == ["message": "Invalid Webhook Token", "code": 50027])
            #expect(try await standIn.execute(webhook, content: "before").status == 204)
            #expect(standIn.state.deleteWebhook(id: webhook.id))
            let deleted = try await standIn.execute(webhook, content: "after")
            #expect(deleted.status == 404 && deleted.json == ["message": "Unknown Webhook", "code": 10015])
            #expect(try await standIn.request("GET", webhook.path).status == 404)
            #expect(standIn.state.messages().map(\.content) == ["before"])
        }
    }

    /// Only mentions `allowed_mentions` permits would ping; without it, a webhook pings users only.
    @Test func reportsWhichMentionsWouldPing() async throws {
        try await DiscordStandInFixture.with(DiscordStandInConfiguration(webhookLimit: 100, globalLimit: 1000)) { standIn in
            let webhook = standIn.state.createWebhook()
            let text = "@everyone @here <@&111> <@222> <@!333> go"
            func pinged(_ allowed: JSONValue?) async throws -> JSONValue {
                let reply = try await standIn.execute(webhook, content: text, extra: allowed.map { ["allowed_mentions": $0] } ?? [:], wait: true)
                #expect(reply.status == 200, "\(reply.text)")
                return ["everyone": reply.json["mention_everyone"] ?? .null, "users": .array((reply.json["mentions"]?.arrayValue ?? []).compactMap { $0["id"] }),
                        "roles": reply.json["mention_roles"] ?? .null]
            }
            #expect(try await pinged(nil) == ["everyone": false, "users": ["222", "333"], "roles": []], "webhooks parse users by default")
            #expect(try await pinged(["parse": []]) == ["everyone": false, "users": [], "roles": []])
            #expect(try await pinged(["parse": ["everyone", "roles"]]) == ["everyone": true, "users": [], "roles": ["111"]])
            #expect(try await pinged(["parse": [], "roles": ["111"], "users": ["333"]]) == ["everyone": false, "users": ["333"], "roles": ["111"]])
            // Escaped the way the product escapes Twitch text: nothing pings, whatever is allowed.
            let escaped = "@\u{200B}everyone <\\@\u{200B}&111> \\<@\u{200B}222>"
            let reply = try await standIn.execute(webhook, content: escaped, extra: ["allowed_mentions": ["parse": ["everyone", "roles", "users"]]], wait: true)
            #expect(reply.json["mention_everyone"] == false && reply.json["mentions"] == [] && reply.json["mention_roles"] == [])
            let recorded = try #require(standIn.state.messages(webhookID: webhook.id).last)
            #expect(recorded.mentions.isEmpty)
            #expect(recorded.allowedMentions == ["parse": ["everyone", "roles", "users"]])
            #expect(standIn.state.messages(webhookID: webhook.id).first?.allowedMentions == nil)
        }
    }
}
