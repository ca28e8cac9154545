import Crypto
import JSONValue
import Testing
import YouTubeStandIn

/// The WebSub hub of the YouTube stand-in over real HTTP, with a real callback server.
@Suite struct YouTubeStandInHubTests {
    @Test func subscribeIsVerifiedWithAChallengeAndActivatesOnlyWhenEchoed() async throws {
        try await withYouTubeStandIn { hub in
            let channel = try hub.state.addChannel(handle: "@Alice", title: "Alice")
            try await withWebSubCallback { url, callback in
                let answer = try await hub.subscribe(callback: url, topic: channel.topic, lease: 3600, secret: "s3cret")
                #expect(answer.status == 202)
                #expect(await hub.server.settle())
                let verification = try #require(callback.verifications.first)
                #expect(verification.parameter("hub.mode") == "subscribe")
                #expect(verification.parameter("hub.topic") == channel.topic)
                #expect(verification.parameter("hub.lease_seconds") == "3600")
                let challenge = try #require(verification.parameter("hub.challenge"))
                #expect(challenge.utf8.count == 128)
                let subscription = try #require(hub.state.activeSubscriptions.first)
                #expect(subscription.callback == url && subscription.topic == channel.topic && subscription.leaseSeconds == 3600)
                #expect(subscription.hasSecret)
                #expect(hub.state.verifications.map(\.outcome) == ["verified"])
            }
        }
    }

    @Test(arguments: [WebSubTestCallback.VerificationAnswer.wrongBody, .serverError])
    func aWrongAnswerToTheChallengeLeavesNoSubscription(answer: WebSubTestCallback.VerificationAnswer) async throws {
        try await withYouTubeStandIn { hub in
            let channel = try hub.state.addChannel(handle: "bob", title: "Bob")
            try await withWebSubCallback(WebSubTestCallback(verificationAnswer: answer)) { url, callback in
                #expect(try await hub.subscribe(callback: url, topic: channel.topic).status == 202)
                #expect(await hub.server.settle())
                #expect(callback.verifications.count == 1)
                #expect(hub.state.subscriptions.isEmpty)
                #expect(hub.state.verifications.map(\.outcome) == ["failed"])
                // Nothing is delivered to a callback that never confirmed.
                try hub.server.publishVideo(channelID: channel.id, title: "Upload")
                #expect(await hub.server.settle())
                #expect(callback.deliveries.isEmpty)
            }
        }
    }

    @Test func topicsOfUnknownChannelsOrOtherFeedsAreDenied() async throws {
        try await withYouTubeStandIn { hub in
            let channel = try hub.state.addChannel(handle: "carol", title: "Carol")
            try await withWebSubCallback { (url, callback) async throws in
                let unknown = "https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCxxxxxxxxxxxxxxxxxxxxxA"
                let withoutXML = "https://www.youtube.com/feeds/videos.xml?channel_id=" + channel.id
                for topic in [unknown, withoutXML] {
                    #expect(try await hub.subscribe(callback: url, topic: topic).status == 202)
                }
                #expect(await hub.server.settle())
                let denials = callback.verifications
                #expect(denials.count == 2)
                #expect(denials.allSatisfy { $0.parameter("hub.mode") == "denied" && $0.parameter("hub.challenge") == nil })
                #expect(Set(denials.compactMap { $0.parameter("hub.topic") }) == [unknown, withoutXML])
                #expect(denials.allSatisfy { !($0.parameter("hub.reason") ?? "").isEmpty })
                #expect(hub.state.subscriptions.isEmpty)
            }
        }
    }

    @Test func badParametersAreRefusedWithTheHubsPlainTextReasons() async throws {
        try await withYouTubeStandIn { hub in
            let topic = try hub.state.addChannel(handle: "dave", title: "Dave").topic
            let callback = "http://127.0.0.1:1/webhooks/youtube/x"
            let cases: [([(String, String)], String)] = [
                ([("hub.mode", "subscribe"), ("hub.topic", topic)], "Invalid parameter: hub.callback"),
                ([("hub.mode", "subscribe"), ("hub.callback", "ftp://example.com/cb"), ("hub.topic", topic)], "Invalid parameter: hub.callback"),
                ([("hub.mode", "subscribe"), ("hub.callback", callback + "#fragment"), ("hub.topic", topic)], "Invalid parameter: hub.callback"),
                ([("hub.mode", "subscribe"), ("hub.callback", callback)], "Invalid parameter: hub.topic"),
                ([("hub.mode", "follow"), ("hub.callback", callback), ("hub.topic", topic)], "Invalid value for hub.mode: follow"),
                ([("hub.mode", "subscribe"), ("hub.callback", callback), ("hub.topic", topic), ("hub.lease_seconds", "ten")],
                 "Invalid value for hub.lease_seconds: ten"),
                ([("hub.mode", "subscribe"), ("hub.callback", callback), ("hub.topic", topic), ("hub.secret", String(repeating: "s", count: 200))],
                 "Invalid value for hub.secret: must be less than 200 bytes"),
            ]
            for (parameters, reason) in cases {
                let answer = try await hub.subscribe(parameters)
                #expect(answer.status == 400)
                #expect(answer.text == reason)
                #expect(answer.headers["content-type"]?.hasPrefix("text/plain") == true)
            }
            #expect(try await hub.get("/subscribe").status == 405)
            #expect(hub.state.verifications.isEmpty)
        }
    }

    @Test func leasesAreCappedAndExpire() async throws {
        let clock = StandInClock()
        try await withYouTubeStandIn(YouTubeStandInConfiguration(maximumLeaseSeconds: 600, deliveryRetrySeconds: 0.05, clock: clock)) { hub in
            let channel = try hub.state.addChannel(handle: "erin", title: "Erin")
            try await withWebSubCallback { url, callback in
                #expect(try await hub.subscribe(callback: url, topic: channel.topic, lease: 86_400).status == 202)
                #expect(await hub.server.settle())
                #expect(callback.verifications.first?.parameter("hub.lease_seconds") == "600")
                #expect(hub.state.activeSubscriptions.first?.leaseSeconds == 600)
                clock.advance(by: 601)
                #expect(hub.state.activeSubscriptions.isEmpty)
                #expect(hub.state.subscriptions.count == 1)
                try hub.server.publishVideo(channelID: channel.id, title: "After the lease")
                #expect(await hub.server.settle())
                #expect(callback.deliveries.isEmpty)
                let listed = try await hub.control("GET", "/_stand-in/subscriptions")
                #expect(listed.json["subscriptions"]?.arrayValue?.first?["active"] == .bool(false))
            }
        }
    }

    @Test func aPublishedVideoIsDeliveredAsSignedAtom() async throws {
        try await withYouTubeStandIn { hub in
            let channel = try hub.state.addChannel(handle: "frank", title: "Frank & <Co>")
            try await withWebSubCallback { url, callback in
                let secret = "a-subscription-secret"
                #expect(try await hub.subscribe(callback: url, topic: channel.topic, secret: secret).status == 202)
                #expect(await hub.server.settle())
                let published = try hub.server.goLive(channelID: channel.id, title: "Live <now> & \"then\"", concurrentViewers: 12)
                #expect(await hub.server.settle())
                let delivery = try #require(callback.deliveries.first)
                #expect(callback.deliveries.count == 1)
                #expect(delivery.headers["content-type"] == "application/atom+xml")
                #expect(delivery.headers["link"]?.contains("<\(channel.topic)>; rel=self") == true)
                let signature = try #require(delivery.headers["x-hub-signature"])
                #expect(signature == "sha1=" + hexHMACSHA1(secret: secret, body: delivery.body))
                #expect(signature != "sha1=" + hexHMACSHA1(secret: "another secret", body: delivery.body))
                let xml = delivery.text
                #expect(xml.contains("<yt:videoId>\(published.video.id)</yt:videoId>"))
                #expect(xml.contains("<yt:channelId>\(channel.id)</yt:channelId>"))
                #expect(xml.contains("<id>yt:video:\(published.video.id)</id>"))
                #expect(xml.contains("<title>Live &lt;now&gt; &amp; &quot;then&quot;</title>"))
                #expect(xml.contains("<name>Frank &amp; &lt;Co&gt;</name>"))
                #expect(xml.contains("xmlns:yt=\"http://www.youtube.com/xml/schemas/2015\""))
                #expect(xml.contains("<link rel=\"self\" href=\"\(channel.topic)\"/>"))
                #expect(hub.state.deliveries.first?.outcome == "delivered")
            }
        }
    }

    @Test func deliveriesWithoutASecretAreUnsignedAndDeletionsAreTombstones() async throws {
        try await withYouTubeStandIn { hub in
            let channel = try hub.state.addChannel(handle: "gina", title: "Gina")
            let video = try hub.server.publishVideo(channelID: channel.id, title: "Old upload", notify: false).video
            try await withWebSubCallback { url, callback in
                #expect(try await hub.subscribe(callback: url, topic: channel.topic).status == 202)
                #expect(await hub.server.settle())
                try hub.server.deleteVideo(videoID: video.id)
                #expect(await hub.server.settle())
                let delivery = try #require(callback.deliveries.first)
                #expect(delivery.headers["x-hub-signature"] == nil)
                #expect(delivery.text.contains("<at:deleted-entry ref=\"yt:video:\(video.id)\""))
                #expect(delivery.text.contains("<uri>https://www.youtube.com/channel/\(channel.id)</uri>"))
                #expect(!delivery.text.contains("yt:channelId"))
            }
        }
    }

    @Test func unsubscribingIsVerifiedAndStopsDeliveries() async throws {
        try await withYouTubeStandIn { hub in
            let channel = try hub.state.addChannel(handle: "hank", title: "Hank")
            try await withWebSubCallback { url, callback in
                // Unsubscribing what the hub does not have: 204 at once, nothing sent.
                #expect(try await hub.subscribe(callback: url, topic: channel.topic, mode: "unsubscribe").status == 204)
                #expect(try await hub.subscribe(callback: url, topic: channel.topic).status == 202)
                #expect(await hub.server.settle())
                #expect(try await hub.subscribe(callback: url, topic: channel.topic, mode: "unsubscribe").status == 202)
                #expect(await hub.server.settle())
                #expect(callback.verifications.map { $0.parameter("hub.mode") } == ["subscribe", "unsubscribe"])
                #expect(callback.verifications.last?.parameter("hub.lease_seconds") == nil)
                #expect(hub.state.subscriptions.isEmpty)
                try hub.server.publishVideo(channelID: channel.id, title: "Unheard")
                #expect(await hub.server.settle())
                #expect(callback.deliveries.isEmpty)
            }
        }
    }

    @Test func resubscribingReplacesTheSecret() async throws {
        try await withYouTubeStandIn { hub in
            let channel = try hub.state.addChannel(handle: "iris", title: "Iris")
            try await withWebSubCallback { url, callback in
                _ = try await hub.subscribe(callback: url, topic: channel.topic, secret: "first-secret")
                #expect(await hub.server.settle())
                _ = try await hub.subscribe(callback: url, topic: channel.topic, secret: "second-secret")
                #expect(await hub.server.settle())
                #expect(hub.state.subscriptions.count == 1)
                try hub.server.publishVideo(channelID: channel.id, title: "Signed anew")
                #expect(await hub.server.settle())
                let delivery = try #require(callback.deliveries.first)
                #expect(delivery.headers["x-hub-signature"] == "sha1=" + hexHMACSHA1(secret: "second-secret", body: delivery.body))
            }
        }
    }

    @Test func synchronousVerificationAnswers204Or409() async throws {
        try await withYouTubeStandIn { hub in
            let channel = try hub.state.addChannel(handle: "jack", title: "Jack")
            try await withWebSubCallback { url, _ in
                let answer = try await hub.subscribe([("hub.callback", url), ("hub.mode", "subscribe"), ("hub.topic", channel.topic), ("hub.verify", "sync")])
                #expect(answer.status == 204)
                #expect(hub.state.activeSubscriptions.count == 1)
            }
            try await withWebSubCallback(WebSubTestCallback(verificationAnswer: .wrongBody)) { url, _ in
                let answer = try await hub.subscribe([("hub.callback", url), ("hub.mode", "subscribe"), ("hub.topic", channel.topic), ("hub.verify", "sync")])
                #expect(answer.status == 409)
                #expect(answer.text == "Error trying to confirm subscription")
            }
        }
    }

    @Test func failedDeliveriesAreRetriedAndGoneEndsTheSubscription() async throws {
        try await withYouTubeStandIn { hub in
            let channel = try hub.state.addChannel(handle: "kate", title: "Kate")
            try await withWebSubCallback(WebSubTestCallback(deliveryStatuses: [500, 503])) { url, callback in
                _ = try await hub.subscribe(callback: url, topic: channel.topic)
                #expect(await hub.server.settle())
                try hub.server.publishVideo(channelID: channel.id, title: "Third time lucky")
                #expect(await hub.server.settle())
                #expect(callback.deliveries.count == 3)
                let delivery = try #require(hub.state.deliveries.first)
                #expect(delivery.outcome == "delivered")
                #expect(delivery.attempts.map(\.status) == [500, 503, 204])
            }
            try await withWebSubCallback(WebSubTestCallback(deliveryStatuses: [500, 500, 500, 500])) { url, callback in
                _ = try await hub.subscribe(callback: url, topic: channel.topic)
                #expect(await hub.server.settle())
                try hub.server.publishVideo(channelID: channel.id, title: "Never accepted")
                #expect(await hub.server.settle())
                #expect(callback.deliveries.count == 4)
                #expect(hub.state.deliveries.last?.outcome == "failed")
            }
            try await withWebSubCallback(WebSubTestCallback(deliveryStatuses: [410])) { url, callback in
                _ = try await hub.subscribe(callback: url, topic: channel.topic)
                #expect(await hub.server.settle())
                try hub.server.publishVideo(channelID: channel.id, title: "Gone")
                #expect(await hub.server.settle())
                #expect(callback.deliveries.count == 1)
                #expect(hub.state.deliveries.last?.outcome == "gone")
                #expect(!hub.state.subscriptions.contains { $0.callback == url })
            }
        }
    }

    @Test func hostileAndWronglySignedBodiesAreSentOnRequest() async throws {
        try await withYouTubeStandIn { hub in
            let channel = try hub.state.addChannel(handle: "liam", title: "Liam")
            try await withWebSubCallback { url, callback in
                let secret = "hostile-test-secret"
                _ = try await hub.subscribe(callback: url, topic: channel.topic, secret: secret)
                #expect(await hub.server.settle())
                for kind in HostileFeed.allCases {
                    let answer = try await hub.control("POST", "/_stand-in/deliveries", json: ["kind": .string(kind.rawValue), "channel_id": .string(channel.id)])
                    #expect(answer.status == 200)
                    #expect(answer.json["deliveries"]?.arrayValue?.first?["outcome"] == "delivered")
                }
                let received = callback.deliveries
                #expect(received.count == HostileFeed.allCases.count)
                func body(_ kind: HostileFeed) -> WebSubTestCallback.Received { received[HostileFeed.allCases.firstIndex(of: kind)!] }
                func signed(_ delivery: WebSubTestCallback.Received) -> Bool {
                    delivery.headers["x-hub-signature"] == "sha1=" + hexHMACSHA1(secret: secret, body: delivery.body)
                }
                #expect(body(.billionLaughs).text.contains("<!ENTITY lol9") && signed(body(.billionLaughs)))
                #expect(body(.externalEntity).text.contains("SYSTEM \"file:///etc/passwd\"") && signed(body(.externalEntity)))
                #expect(body(.oversized).body.count > HostileFeed.oversizedBytes && signed(body(.oversized)))
                #expect(body(.badSignature).headers["x-hub-signature"] != nil && !signed(body(.badSignature)))
                #expect(body(.unsigned).headers["x-hub-signature"] == nil)
                #expect(signed(body(.foreignChannel)) && !body(.foreignChannel).text.contains("<yt:channelId>\(channel.id)<"))
                let unknown = try await hub.control("POST", "/_stand-in/deliveries", json: ["kind": "teapot", "channel_id": .string(channel.id)])
                #expect(unknown.status == 400)
            }
        }
    }
}

func hexHMACSHA1(secret: String, body: [UInt8]) -> String {
    HMAC<Insecure.SHA1>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        .map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
}
