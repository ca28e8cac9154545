import MarkupEscaping

/// `GET /`: what the stand-in holds, for people at the keyboard (every value escaped).
enum StatusPage {
    static func render(state: YouTubeStandInState) -> String {
        let now = state.now
        var body = "<p class=\"muted\">Hub <code>/subscribe</code> · Data API <code>/youtube/v3</code> · control <code>/_stand-in</code></p>"
        body += "<h2>Channels</h2><ul>"
        for channel in state.channels {
            body += "<li>\(Markup.escape(channel.title)) <code>@\(Markup.escape(channel.handle))</code> <code>\(Markup.escape(channel.id))</code></li>"
        }
        body += "</ul><h2>Live</h2><ul>"
        for video in state.liveVideos {
            let viewers = video.broadcast?.concurrentViewers.map(String.init) ?? "?"
            body += "<li>\(Markup.escape(video.title)) <code>\(Markup.escape(video.id))</code> on <code>\(Markup.escape(video.channelID))</code>, "
                + "\(viewers) watching</li>"
        }
        body += "</ul><h2>Subscriptions</h2><ul>"
        for subscription in state.subscriptions {
            let status = subscription.isActive(at: now) ? "active until \(YouTubeTime.dataAPI(subscription.expiresAt))" : "expired"
            body += "<li><code>\(Markup.escape(subscription.topic))</code> → <code>\(Markup.escape(subscription.callback))</code> (\(status))</li>"
        }
        body += "</ul><h2>Quota</h2><ul>"
        for key in state.configuration.apiKeys {
            body += "<li>key …\(Markup.escape(String(key.suffix(4)))): \(state.quotaUsed(key: key)) of \(state.dailyLimit) units today "
                + "(\(PacificDay.date(at: now)), Pacific time)</li>"
        }
        body += "</ul>"
        return Markup.page(title: "YouTube stand-in", body: body)
    }
}
