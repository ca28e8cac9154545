import JSONValue
import MarkupEscaping

/// `GET /` and `GET /_stand-in/messages.html`: what arrived, newest first (Discord messages with
/// their embeds and the mentions that would have pinged, Slack messages, receiver deliveries).
/// Every text is escaped; the page runs no script.
extension DiscordStandInServer {
    static let pageHeaders: [(String, String)] = [
        ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
    ]

    func messagesPage() -> StandInResponse {
        let webhooks = Dictionary(state.webhooks.map { ($0.id, $0.name) }) { first, _ in first }
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Discord stand-in · received messages</title>
            <style>body{font:15px/1.5 system-ui,sans-serif;background:#313338;color:#dbdee1;margin:24px}h1,h2{color:#f2f3f5}
            .message{background:#2b2d31;border-radius:8px;padding:10px 14px;margin:8px 0}.meta{color:#949ba4;font-size:13px}
            .embed{border-left:4px solid #5865f2;background:#232428;padding:6px 10px;margin:6px 0;border-radius:4px}
            .pinged{color:#f0b232}pre{white-space:pre-wrap;margin:4px 0}</style></head><body>
            <h1>Discord stand-in</h1>
            """
        let messages = state.messages()
        html += "<h2>Discord messages (\(messages.count))</h2>"
        for message in messages.reversed() {
            let name = message.body["username"]?.stringValue ?? webhooks[message.webhookID] ?? "webhook"
            html += "<div class=\"message\"><div class=\"meta\">\(Markup.escape(name)) · webhook \(Markup.escape(message.webhookID))"
                + " · \(Markup.escape(Self.timestamp(message.receivedAt)))</div>"
            if !message.content.isEmpty { html += "<pre>\(Markup.escape(message.content))</pre>" }
            for embed in message.embeds {
                html += "<div class=\"embed\">"
                if let title = embed["title"]?.stringValue { html += "<strong>\(Markup.escape(title))</strong>" }
                if let description = embed["description"]?.stringValue { html += "<pre>\(Markup.escape(description))</pre>" }
                for field in embed["fields"]?.arrayValue ?? [] {
                    html += "<div><strong>\(Markup.escape(field["name"]?.stringValue ?? ""))</strong>: \(Markup.escape(field["value"]?.stringValue ?? ""))</div>"
                }
                html += "</div>"
            }
            let mentions = message.mentions
            let pinged = (mentions.everyone ? ["@everyone"] : []) + mentions.users.map { "user \($0)" } + mentions.roles.map { "role \($0)" }
            html += "<div class=\"meta\">\(pinged.isEmpty ? "mentions nobody" : "<span class=\"pinged\">pings " + Markup.escape(pinged.joined(separator: ", ")) + "</span>")</div></div>"
        }
        let slack = state.slackMessages()
        html += "<h2>Slack messages (\(slack.count))</h2>"
        for message in slack.reversed() {
            html += "<div class=\"message\"><div class=\"meta\">hook \(Markup.escape(message.hookID)) · \(Markup.escape(Self.timestamp(message.receivedAt)))</div>"
                + "<pre>\(Markup.escape(message.text.isEmpty ? JSONWriter.string(message.body) : message.text))</pre></div>"
        }
        let deliveries = state.deliveries()
        html += "<h2>Signed webhook deliveries (\(deliveries.count))</h2>"
        for delivery in deliveries.reversed() {
            html += "<div class=\"message\"><div class=\"meta\">receiver \(Markup.escape(delivery.receiver)) · \(Markup.escape(delivery.messageID))"
                + "\(delivery.isDuplicate ? " · duplicate" : "") · \(Markup.escape(Self.timestamp(delivery.receivedAt)))</div>"
                + "<pre>\(Markup.escape(String(decoding: delivery.rawBody, as: UTF8.self)))</pre></div>"
        }
        html += "</body></html>"
        return StandInResponse(status: 200, headers: Self.pageHeaders, body: Array(html.utf8))
    }
}
