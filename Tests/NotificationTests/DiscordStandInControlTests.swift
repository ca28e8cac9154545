import DiscordStandIn
import JSONValue
import Testing

/// The `/_stand-in/` control API and the messages page, over HTTP.
@Suite struct DiscordStandInControlTests {
    @Test func controlAPICreatesForcesListsDeletesAndResets() async throws {
        try await DiscordStandInFixture.with { standIn in
            let created = try await standIn.post("/_stand-in/webhooks", json: ["name": "Agency alerts", "channel_id": "900"])
            #expect(created.status == 201)
            let id = try #require(created.json["id"]?.stringValue)
            let token = try #require(created.json["token"]?.stringValue)
            let url = try #require(created.json["url"]?.stringValue)
            #expect(url == standIn.baseURL + "/api/webhooks/\(id)/\(token)")
            #expect(created.json["channel_id"] == "900")
            let executePath = String(url.dropFirst(standIn.baseURL.count))
            #expect(try await standIn.post(executePath, json: ["content": "via pasted URL"]).status == 204)

            let forced = try await standIn.post("/_stand-in/webhooks/\(id)/force", json: [
                "responses": [["kind": "status", "status": 503, "count": 2], ["kind": "rate_limited", "retry_after": 0.1, "global": false]],
            ])
            #expect(forced.status == 204)
            #expect(try await standIn.post(executePath, json: ["content": "x"]).status == 503)
            #expect(try await standIn.post(executePath, json: ["content": "x"]).status == 503)
            #expect(try await standIn.post(executePath, json: ["content": "x"]).status == 429)
            try await discordStandInSleep(0.1)

            let limit = try await standIn.post("/_stand-in/webhooks/\(id)/limit", json: ["limit": 2, "window_seconds": 5])
            #expect(limit.status == 204)
            let first = try await standIn.post(executePath, json: ["content": "counted"])
            #expect(first.status == 204 && first.header("x-ratelimit-limit") == "2" && first.header("x-ratelimit-remaining") == "1")

            let messages = try await standIn.request("GET", "/_stand-in/messages?webhook_id=\(id)")
            #expect(messages.status == 200)
            let list = try #require(messages.json["messages"]?.arrayValue)
            #expect(list.compactMap { $0["content"]?.stringValue } == ["via pasted URL", "counted"])
            #expect(list.first?["body"] == ["content": "via pasted URL"] && list.first?["mentions"] == [])

            let details = try await standIn.request("GET", "/_stand-in/webhooks/\(id)")
            #expect(details.json["counters"]?["accepted"] == 2 && details.json["counters"]?["forced_failures"] == 2
                    && details.json["counters"]?["rate_limited"] == 1 && details.json["counters"]?["hammering"] == 0)
            let stats = try await standIn.request("GET", "/_stand-in/stats")
            #expect(stats.json["totals"]?["discord"]?["requests"] == 5)

            // Bad control input: the product's error shape.
            for (path, body) in [("/_stand-in/webhooks/\(id)/force", ["kind": "explode"] as JSONValue),
                                 ("/_stand-in/webhooks/\(id)/force", ["kind": "status", "status": 429]),
                                 ("/_stand-in/webhooks/\(id)/limit", ["limit": 0, "window_seconds": 1]),
                                 ("/_stand-in/limits", ["global_limit": "many"]), ("/_stand-in/receivers", ["name": "has space"])] {
                let refused = try await standIn.post(path, json: body)
                #expect(refused.status == 400 && refused.json["error"]?["code"] == "invalid_request" && refused.json["error"]?["message"]?.stringValue != nil,
                        "\(path) \(body): \(refused.text)")
            }
            #expect(try await standIn.post("/_stand-in/webhooks", text: "nope").json["error"]?["code"] == "invalid_json")
            #expect(try await standIn.request("GET", "/_stand-in/nothing").status == 404)

            let limits = try await standIn.post("/_stand-in/limits", json: ["webhook_limit": 7, "slack_window_seconds": 2.5])
            #expect(limits.json["webhook_limit"] == 7 && limits.json["slack_window_seconds"] == 2.5 && limits.json["global_limit"] == 50)

            let hook = try await standIn.post("/_stand-in/slack/hooks", json: ["channel": "#ops"])
            #expect(hook.status == 201)
            let hookURL = try #require(hook.json["url"]?.stringValue)
            #expect(try await standIn.post(String(hookURL.dropFirst(standIn.baseURL.count)), json: ["text": "slack"]).text == "ok")
            #expect(try await standIn.request("GET", "/_stand-in/slack/messages").json["messages"]?.arrayValue?.count == 1)

            let receiver = try await standIn.post("/_stand-in/receivers", json: ["name": "customer"])
            #expect(receiver.status == 201 && receiver.json["secret"]?.stringValue?.hasPrefix("whsec_") == true)
            #expect(try await standIn.request("GET", "/_stand-in/receivers/customer").json["secret"] == nil, "the secret is shown once")

            #expect(try await standIn.request("DELETE", "/_stand-in/webhooks/\(id)").status == 204)
            let gone = try await standIn.post(executePath, json: ["content": "x"])
            #expect(gone.status == 404 && gone.json["code"] == 10015)
            #expect(try await standIn.request("DELETE", "/_stand-in/webhooks/\(id)").status == 404)

            #expect(try await standIn.post("/_stand-in/reset", text: "").status == 204)
            #expect(try await standIn.request("GET", "/_stand-in/messages").json["messages"] == [])
            #expect(standIn.state.webhooks.isEmpty && standIn.state.slackMessages().isEmpty && standIn.state.receiver(name: "customer") == nil)
        }
    }

    @Test func messagesPageEscapesEverything() async throws {
        try await DiscordStandInFixture.with { standIn in
            let webhook = standIn.state.createWebhook(name: "<b>hook</b>")
            let hostile = #"<script>alert("x")</script> & 'quoted' @everyone"#
            #expect(try await standIn.execute(webhook, content: hostile, extra: [
                "embeds": [["title": "<img src=x onerror=alert(1)>", "fields": [["name": "<i>", "value": "</div>"]]]],
                "allowed_mentions": ["parse": []],
            ]).status == 204)
            for path in ["/", "/_stand-in/messages.html"] {
                let page = try await standIn.request("GET", path)
                #expect(page.status == 200 && page.header("content-type") == "text/html; charset=utf-8")
                #expect(page.header("content-security-policy")?.contains("default-src 'none'") == true)
                let html = page.text
                #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; @everyone"))
                #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;") && html.contains("&lt;b&gt;hook&lt;/b&gt;"))
                #expect(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>hook") && !html.contains("<i>"))
                #expect(html.contains("mentions nobody"))
            }
        }
    }

    /// Many senders at once: every message kept once, counters consistent (one lock).
    @Test func concurrentSendersAreAllRecorded() async throws {
        try await DiscordStandInFixture.with(DiscordStandInConfiguration(webhookLimit: 1000, globalLimit: 1000)) { standIn in
            let webhooks = (0..<4).map { standIn.state.createWebhook(name: "w\($0)") }
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<80 {
                    group.addTask { try await standIn.execute(webhooks[index % 4], content: "n\(index)").status }
                }
                for try await status in group { #expect(status == 204) }
            }
            let contents = standIn.state.messages().map(\.content)
            #expect(contents.count == 80 && Set(contents).count == 80)
            #expect(standIn.state.identicalMessages().isEmpty)
            #expect(standIn.state.totals.discord.accepted == 80 && standIn.state.totals.discord.requests == 80)
            _ = try await standIn.execute(webhooks[0], content: "n0")
            #expect(standIn.state.identicalMessages().map { $0.map(\.content) } == [["n0", "n0"]])
        }
    }
}
