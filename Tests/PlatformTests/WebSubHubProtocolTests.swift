import Settings
import Testing
import URLEncoding
import WebSub

/// The subscriber's side of the hub protocol: what we send, how the hub's answers and
/// verification requests are read.
@Suite struct WebSubHubProtocolTests {
    let channel = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
    let push = YouTubePush(callbackURL: "https://ccr.example/webhooks/youtube", leaseSeconds: 86_400,
                           secrets: WebSubSecrets(masters: ["master-secret-1"]))

    @Test func subscribeAndUnsubscribeBodies() throws {
        let subscribe = push.request(.subscribe, channelID: channel)
        try subscribe.validate()
        let fields = QueryItems(subscribe.formBody)
        #expect(fields.items.map(\.name) == ["hub.callback", "hub.mode", "hub.topic", "hub.lease_seconds", "hub.secret", "hub.verify"])
        #expect(fields.first("hub.callback") == "https://ccr.example/webhooks/youtube/\(channel)")
        #expect(fields.first("hub.mode") == "subscribe")
        #expect(fields.first("hub.topic") == "https://www.youtube.com/xml/feeds/videos.xml?channel_id=\(channel)")
        #expect(fields.first("hub.lease_seconds") == "86400")
        #expect(fields.first("hub.secret") == push.secrets.secret(forTopic: YouTubeTopic.url(channelID: channel)))
        #expect(fields.first("hub.verify") == "async")
        // Encoded: the callback's own query survives as one value.
        #expect(subscribe.formBody.contains("hub.callback=https%3A%2F%2Fccr.example%2Fwebhooks%2Fyoutube%2F"))
        #expect(WebSubSubscriptionRequest.contentType == "application/x-www-form-urlencoded")

        let unsubscribe = push.request(.unsubscribe, channelID: channel)
        #expect(QueryItems(unsubscribe.formBody).items.map(\.name) == ["hub.callback", "hub.mode", "hub.topic", "hub.verify"])
        #expect(YouTubePush.channelID(callbackPath: "/webhooks/youtube/\(channel)", basePath: "/webhooks/youtube") == channel)
        #expect(YouTubePush.channelID(callbackPath: "/webhooks/youtube/nope", basePath: "/webhooks/youtube") == nil)
        #expect(YouTubePush.channelID(callbackPath: "/webhooks/youtube/\(channel)/x", basePath: "/webhooks/youtube") == nil)
        #expect(push.callback(channelID: channel) == "https://ccr.example/webhooks/youtube/\(channel)")
    }

    @Test func requestValidation() {
        let topic = YouTubeTopic.url(channelID: channel)
        #expect(throws: WebSubRequestError.secretRequiresHTTPS) {
            try WebSubSubscriptionRequest(mode: .subscribe, topic: topic, callback: "http://ccr.example/cb", secret: "s").validate()
        }
        // The local hub stand-in calls back over loopback HTTP.
        #expect(throws: Never.self) {
            try WebSubSubscriptionRequest(mode: .subscribe, topic: topic, callback: "http://127.0.0.1:8080/cb", secret: "s").validate()
        }
        #expect(throws: WebSubRequestError.invalidSecret) {
            try WebSubSubscriptionRequest(mode: .subscribe, topic: topic, callback: "https://x/cb", secret: String(repeating: "s", count: 200)).validate()
        }
        #expect(throws: WebSubRequestError.invalidLeaseSeconds(0)) {
            try WebSubSubscriptionRequest(mode: .subscribe, topic: topic, callback: "https://x/cb", leaseSeconds: 0).validate()
        }
        #expect(throws: WebSubRequestError.invalidCallback("ftp://x")) {
            try WebSubSubscriptionRequest(mode: .subscribe, topic: topic, callback: "ftp://x").validate()
        }
        #expect(throws: WebSubRequestError.invalidTopic("")) {
            try WebSubSubscriptionRequest(mode: .subscribe, topic: "", callback: "https://x/cb").validate()
        }
    }

    @Test func hubAnswers() {
        #expect(WebSubHubAnswer(status: 202, body: [], location: nil) == .accepted)
        #expect(WebSubHubAnswer(status: 204, body: [], location: nil) == .verified)
        #expect(WebSubHubAnswer(status: 307, body: [], location: "https://hub2.example/") == .redirect(status: 307, location: "https://hub2.example/"))
        let refused = WebSubHubAnswer(status: 400, body: Array("  Invalid value for hub.topic\n".utf8), location: nil)
        #expect(refused == .refused(status: 400, reason: "Invalid value for hub.topic"))
        #expect(!refused.isRetryable)
        #expect(WebSubHubAnswer(status: 429, body: [], location: nil).isRetryable)
        let failed = WebSubHubAnswer(status: 503, body: Array(String(repeating: "x", count: 2000).utf8), location: nil)
        guard case .failed(503, let reason) = failed else { Issue.record("not failed: \(failed)"); return }
        #expect(reason.count == WebSubHubAnswer.maximumReasonLength)
        #expect(failed.isRetryable)
    }

    private func verify(_ query: String, _ intent: WebSubIntent?) -> Result<WebSubVerification, WebSubVerificationRefusal> {
        WebSubVerifier.verify(query: QueryItems(query), intent: intent)
    }

    @Test func verificationOfWhatWeAskedForIsConfirmed() {
        let topic = YouTubeTopic.url(channelID: channel)
        let encodedTopic = PercentEncoding.encode(topic)
        let subscribe = WebSubIntent(mode: .subscribe, topic: topic)
        #expect(verify("channel_id=\(channel)&hub.mode=subscribe&hub.topic=\(encodedTopic)&hub.challenge=abc_DEF-123&hub.lease_seconds=432000", subscribe)
            == .success(.confirm(challenge: "abc_DEF-123", mode: .subscribe, topic: topic, leaseSeconds: 432_000)))
        // A hub's lease beyond a year is read as a year (renewing early is harmless).
        #expect(verify("hub.mode=subscribe&hub.topic=\(encodedTopic)&hub.challenge=c&hub.lease_seconds=999999999", subscribe)
            == .success(.confirm(challenge: "c", mode: .subscribe, topic: topic, leaseSeconds: WebSubVerifier.maximumLeaseSeconds)))
        let unsubscribe = WebSubIntent(mode: .unsubscribe, topic: topic)
        #expect(verify("hub.mode=unsubscribe&hub.topic=\(encodedTopic)&hub.challenge=c2", unsubscribe)
            == .success(.confirm(challenge: "c2", mode: .unsubscribe, topic: topic, leaseSeconds: nil)))
        #expect(verify("hub.mode=denied&hub.topic=\(encodedTopic)&hub.reason=Topic+not+allowed", subscribe)
            == .success(.denied(topic: topic, reason: "Topic not allowed")))
        #expect(verify("hub.mode=denied&hub.topic=\(encodedTopic)", subscribe) == .success(.denied(topic: topic, reason: nil)))
    }

    @Test func verificationOfAnythingElseIsRefusedWith404() {
        let topic = YouTubeTopic.url(channelID: channel)
        let encodedTopic = PercentEncoding.encode(topic)
        let subscribe = WebSubIntent(mode: .subscribe, topic: topic)
        let valid = "hub.mode=subscribe&hub.topic=\(encodedTopic)&hub.challenge=c&hub.lease_seconds=60"
        #expect(verify(valid, nil) == .failure(.notRequested))
        let other = YouTubeTopic.url(channelID: "UCBR8-60-B28hp2BmDPdntcQ")
        #expect(verify("hub.mode=subscribe&hub.topic=\(PercentEncoding.encode(other))&hub.challenge=c&hub.lease_seconds=60", subscribe)
            == .failure(.topicMismatch(expected: topic, received: other)))
        // Someone (or a confused hub) unsubscribing a channel we want to keep.
        #expect(verify("hub.mode=unsubscribe&hub.topic=\(encodedTopic)&hub.challenge=c", subscribe)
            == .failure(.modeMismatch(expected: .subscribe, received: "unsubscribe")))
        #expect(verify("hub.mode=denied&hub.topic=\(encodedTopic)", WebSubIntent(mode: .unsubscribe, topic: topic))
            == .failure(.modeMismatch(expected: .unsubscribe, received: "denied")))
        #expect(verify("hub.mode=publish&hub.topic=\(encodedTopic)&hub.challenge=c", subscribe) == .failure(.unknownMode("publish")))
        #expect(verify("hub.topic=\(encodedTopic)&hub.challenge=c", subscribe) == .failure(.missingParameter("hub.mode")))
        #expect(verify("hub.mode=subscribe&hub.challenge=c", subscribe) == .failure(.missingParameter("hub.topic")))
        #expect(verify("hub.mode=subscribe&hub.topic=\(encodedTopic)&hub.lease_seconds=60", subscribe) == .failure(.missingParameter("hub.challenge")))
        #expect(verify("hub.mode=subscribe&hub.topic=\(encodedTopic)&hub.challenge=c", subscribe) == .failure(.missingParameter("hub.lease_seconds")))
        for lease in ["0", "-5", "abc", "1e9", ""] {
            #expect(verify("hub.mode=subscribe&hub.topic=\(encodedTopic)&hub.challenge=c&hub.lease_seconds=\(lease)", subscribe)
                == .failure(.invalidLeaseSeconds(lease)))
        }
        for challenge in ["", "a%20b", "%3Cscript%3E%0A", String(repeating: "x", count: 513), "%C3%A9"] {
            #expect(verify("hub.mode=subscribe&hub.topic=\(encodedTopic)&hub.challenge=\(challenge)&hub.lease_seconds=60", subscribe)
                == .failure(.invalidChallenge), "\(challenge.prefix(20))")
        }
        #expect(WebSubVerificationRefusal.notRequested.statusCode == 404)
    }

    @Test func configurationFromTheEnvironment() throws {
        let environment = Environment([
            "YOUTUBE_WEBSUB_CALLBACK_URL": "https://ccr.example/webhooks/youtube",
            "YOUTUBE_WEBSUB_SECRET": "current-master-secret",
            "YOUTUBE_WEBSUB_SECRET_PREVIOUS": "previous-master-secret",
        ])
        let push = try YouTubePush.fromEnvironment(environment)
        #expect(push.hubURL == "https://pubsubhubbub.appspot.com/subscribe")
        #expect(push.leaseSeconds == 432_000)
        #expect(push.secrets.acceptedSecrets(forTopic: "t").count == 2)
        #expect(throws: (any Error).self) {
            try YouTubePush.fromEnvironment(Environment(["YOUTUBE_WEBSUB_CALLBACK_URL": "https://x/cb?a=1", "YOUTUBE_WEBSUB_SECRET": "current-master-secret"]))
        }
        #expect(throws: (any Error).self) {
            try YouTubePush.fromEnvironment(Environment(["YOUTUBE_WEBSUB_CALLBACK_URL": "https://x/cb", "YOUTUBE_WEBSUB_SECRET": "short"]))
        }
    }
}
