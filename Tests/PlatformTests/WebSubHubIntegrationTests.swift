import AsyncHTTPClient
import Hummingbird
import JSONValue
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Testing
import URLEncoding
import WebSub
import YouTubeStandIn

/// The subscriber side against the hub stand-in over real HTTP: our subscription requests, the
/// hub's verification requests answered by `WebSubVerifier`, and its deliveries (genuine and
/// hostile) checked by `YouTubePush.checkSignature` and parsed by `YouTubeNotification`.
@Suite struct WebSubHubIntegrationTests {
    @Test func subscribeReceiveAndUnsubscribe() async throws {
        try await withYouTubeStandIn { standIn in
            let channel = try standIn.state.addChannel(handle: "pushchannel", title: "Push Channel")
            try await withProbe(hubURL: standIn.baseURL + "/subscribe") { probe in
                let hub = WebSubHubClient(hubURL: probe.push.hubURL)
                probe.want(.subscribe, channel.id)
                #expect(try await hub.send(probe.push.request(.subscribe, channelID: channel.id)) == .accepted)
                #expect(await standInEventually { standIn.state.activeSubscriptions.filter { $0.channelID == channel.id }.count == 1 })
                let topic = YouTubeTopic.url(channelID: channel.id)
                #expect(probe.verifications == [.confirm(challenge: probe.lastChallenge ?? "", mode: .subscribe, topic: topic, leaseSeconds: 432_000)])
                #expect(probe.lastChallenge?.utf8.count == 128)

                // An upload is pushed, signed with the derived secret, and parses.
                let published = try standIn.server.publishVideo(channelID: channel.id, title: "First upload")
                #expect(await standInEventually { probe.deliveries.count == 1 })
                let delivery = try #require(probe.deliveries.first)
                #expect(delivery.channel == channel.id)
                #expect(delivery.signature == .valid(.sha1))
                #expect(delivery.parsed == .success(YouTubeNotification(videos: [YouTubeVideoEntry(
                    videoID: published.video.id, channelID: channel.id, title: "First upload",
                    link: "https://www.youtube.com/watch?v=\(published.video.id)", authorName: "Push Channel",
                    published: delivery.videos.first?.published, updated: delivery.videos.first?.updated)], deletions: [])))
                #expect(delivery.videos.first?.published != nil)

                // A deletion arrives as a tombstone.
                _ = try standIn.server.deleteVideo(videoID: published.video.id)
                #expect(await standInEventually { probe.deliveries.count == 2 })
                let tombstone = try #require(probe.deliveries.last)
                #expect(tombstone.signature == .valid(.sha1))
                if case .success(let notification) = tombstone.parsed {
                    #expect(notification.deletions.map(\.videoID) == [published.video.id])
                    #expect(notification.deletions.map(\.channelID) == [channel.id])
                } else {
                    Issue.record("tombstone did not parse: \(String(describing: tombstone.parsed))")
                }

                // Unsubscribing is verified the same way and removes the subscription.
                probe.want(.unsubscribe, channel.id)
                #expect(try await hub.send(probe.push.request(.unsubscribe, channelID: channel.id)) == .accepted)
                #expect(await standInEventually { standIn.state.activeSubscriptions.filter { $0.channelID == channel.id }.isEmpty })
                #expect(probe.verifications.last == .confirm(challenge: probe.lastChallenge ?? "", mode: .unsubscribe, topic: topic, leaseSeconds: nil))
            }
        }
    }

    /// Every hostile body the hub stand-in can send is answered 2xx and never used: parsed and
    /// refused (signed hostile XML), or not parsed at all (bad or missing signature).
    @Test func hostileDeliveriesAreAnswered2xxAndNotUsed() async throws {
        try await withYouTubeStandIn { standIn in
            let channel = try standIn.state.addChannel(handle: "hostiletarget", title: "Hostile Target")
            try await withProbe(hubURL: standIn.baseURL + "/subscribe") { probe in
                probe.want(.subscribe, channel.id)
                #expect(try await WebSubHubClient(hubURL: probe.push.hubURL).send(probe.push.request(.subscribe, channelID: channel.id)) == .accepted)
                #expect(await standInEventually { standIn.state.activeSubscriptions.filter { $0.channelID == channel.id }.count == 1 })
                for kind in HostileFeed.allCases {
                    let answer = try await standIn.control("POST", "/_stand-in/deliveries", json: ["kind": .string(kind.rawValue), "channel_id": .string(channel.id)])
                    #expect(answer.status == 200, "\(kind)")
                    // The hub saw a 2xx: nothing is retried.
                    let attempts = answer.json["deliveries"]?.arrayValue?.first?["attempts"]?.arrayValue ?? []
                    #expect(attempts.count == 1, "\(kind): \(answer.text.prefix(300))")
                }
                let byTitle = probe.deliveries
                #expect(byTitle.count == HostileFeed.allCases.count)
                #expect(byTitle[0].signature == .valid(.sha1) && byTitle[0].parsed == .failure(.xml(SafeXML.Error(.doctypeForbidden, offset: 39))))
                #expect(byTitle[1].signature == .valid(.sha1) && byTitle[1].parsed == .failure(.xml(SafeXML.Error(.doctypeForbidden, offset: 39))))
                guard case .failure(.xml(let oversized))? = byTitle[2].parsed, case .tooLarge = oversized.reason else {
                    Issue.record("oversized: \(String(describing: byTitle[2].parsed))")
                    return
                }
                #expect(byTitle[3].signature == .invalid && byTitle[3].parsed == nil)
                #expect(byTitle[4].signature == .missing && byTitle[4].parsed == nil)
                // Signed and well-formed, but for a channel this subscription is not about.
                #expect(byTitle[5].signature == .valid(.sha1))
                #expect(byTitle[5].videos.map(\.channelID) == ["UCforeignforeignforeignA"])
                #expect(byTitle[5].videos.allSatisfy { $0.channelID != byTitle[5].channel })
            }
        }
    }

    @Test func deniedTopicsForgedVerificationsAndHubRefusals() async throws {
        try await withYouTubeStandIn { standIn in
            try await withProbe(hubURL: standIn.baseURL + "/subscribe") { probe in
                let hub = WebSubHubClient(hubURL: probe.push.hubURL)
                // A channel the hub does not know: accepted, then denied by a GET we record.
                let unknown = "UCunknownunknownunknownQ"
                probe.want(.subscribe, unknown)
                #expect(try await hub.send(probe.push.request(.subscribe, channelID: unknown)) == .accepted)
                #expect(await standInEventually { probe.verifications.count == 1 })
                guard case .denied(let topic, let reason)? = probe.verifications.first else {
                    Issue.record("not denied: \(probe.verifications)")
                    return
                }
                #expect(topic == YouTubeTopic.url(channelID: unknown))
                #expect(reason?.isEmpty == false)

                // Verification requests we did not ask for are 404 over HTTP, with nothing echoed.
                let forged = try await standInRequest("GET", probe.push.callback(channelID: unknown) + "?" + PercentEncoding.form([
                    ("hub.mode", "unsubscribe"), ("hub.topic", YouTubeTopic.url(channelID: unknown)), ("hub.challenge", "echo-me"),
                ]))
                #expect(forged.status == 404)
                #expect(!forged.text.contains("echo-me"))
                let noIntent = try await standInRequest("GET", probe.push.callback(channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw") + "?" + PercentEncoding.form([
                    ("hub.mode", "subscribe"), ("hub.topic", YouTubeTopic.url(channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw")), ("hub.challenge", "c"),
                    ("hub.lease_seconds", "60"),
                ]))
                #expect(noIntent.status == 404)

                // The hub's 4xx comes back with its body as the reason; unsubscribing what the hub
                // does not have is 204 at once.
                let badCallback = WebSubSubscriptionRequest(mode: .subscribe, topic: YouTubeTopic.url(channelID: unknown), callback: "http://")
                #expect(try await hub.send(badCallback) == .refused(status: 400, reason: "Invalid parameter: hub.callback"))
                #expect(try await hub.send(probe.push.request(.unsubscribe, channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw")) == .verified)
                // A redirect is reported, not followed (the body carries the secret).
                let moved = WebSubHubClient(hubURL: probe.push.callbackURL.replacing("/webhooks/youtube", with: "/moved-hub"))
                let redirect = try await moved.send(probe.push.request(.subscribe, channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw"))
                #expect(redirect == .redirect(status: 307, location: probe.push.callback(channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw")))
                #expect(probe.deliveries.isEmpty)
                // Requests we would not send are refused before any I/O.
                let longSecret = WebSubSubscriptionRequest(mode: .subscribe, topic: YouTubeTopic.url(channelID: unknown),
                                                           callback: "https://x.example/cb", secret: String(repeating: "s", count: 250))
                await #expect(throws: WebSubHubError.invalidRequest(.invalidSecret)) { _ = try await hub.send(longSecret) }
                await #expect {
                    _ = try await WebSubHubClient(hubURL: "http://127.0.0.1:1/subscribe", timeoutSeconds: 2).send(probe.push.request(.subscribe, channelID: unknown))
                } throws: { error in
                    guard case WebSubHubError.transport(let message) = error else { return false }
                    return !message.contains(probe.push.secrets.secret(forTopic: YouTubeTopic.url(channelID: unknown)))
                }
            }
        }
    }
}

/// A webhook built from the library, as the YouTube webhook function will be: one callback URL
/// per channel (`?channel_id=`), verification by `WebSubVerifier`, deliveries checked and parsed,
/// every delivery answered 204.
final class WebSubProbe: Sendable {
    struct Delivery: Sendable {
        let channel: String
        let signature: WebSubSignatureCheck
        /// nil when the signature was not valid (the body is then not even parsed).
        let parsed: Result<YouTubeNotification, YouTubeFeedError>?
        var videos: [YouTubeVideoEntry] { (try? parsed?.get())?.videos ?? [] }
    }

    let push: YouTubePush
    private let intents = NIOLockedValueBox<[String: WebSubIntent]>([:])
    private let recorded = NIOLockedValueBox<(verifications: [WebSubVerification], deliveries: [Delivery], challenge: String?)>(([], [], nil))

    init(push: YouTubePush) { self.push = push }

    func want(_ mode: WebSubMode, _ channelID: String) {
        intents.withLockedValue { $0[channelID] = WebSubIntent(mode: mode, topic: YouTubeTopic.url(channelID: channelID)) }
    }

    var verifications: [WebSubVerification] { recorded.withLockedValue { $0.verifications } }
    var deliveries: [Delivery] { recorded.withLockedValue { $0.deliveries } }
    var lastChallenge: String? { recorded.withLockedValue { $0.challenge } }

    func respond(_ request: Request) async throws -> Response {
        let query = QueryItems(request.uri.query)
        guard let channel = YouTubePush.channelID(callbackPath: request.uri.path, basePath: "/webhooks/youtube") else {
            return Response(status: .notFound)
        }
        if request.method == .get {
            switch WebSubVerifier.verify(query: query, intent: intents.withLockedValue { $0[channel] }) {
            case .success(let verification):
                recorded.withLockedValue { $0.verifications.append(verification) }
                guard case .confirm(let challenge, _, _, _) = verification else { return Response(status: .ok) }
                recorded.withLockedValue { $0.challenge = challenge }
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; charset=utf-8"
                headers[.init("X-Content-Type-Options")!] = "nosniff"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: challenge)))
            case .failure:
                return Response(status: .notFound)
            }
        }
        var buffer = try await request.body.collect(upTo: 4 << 20)
        let body = buffer.readBytes(length: buffer.readableBytes) ?? []
        let signature = push.checkSignature(header: request.headers[.init(WebSubSignature.headerName)!], body: body, channelID: channel)
        var parsed: Result<YouTubeNotification, YouTubeFeedError>?
        if signature.isValid {
            do { parsed = .success(try YouTubeNotification.parse(body)) } catch { parsed = .failure(error) }
        }
        recorded.withLockedValue { $0.deliveries.append(Delivery(channel: channel, signature: signature, parsed: parsed)) }
        return Response(status: .noContent)
    }
}

/// Runs a `WebSubProbe` on a kernel-chosen loopback port for `body`.
func withProbe(hubURL: String, _ body: (WebSubProbe) async throws -> Void) async throws {
    let router = Router()
    let holder = NIOLockedValueBox<WebSubProbe?>(nil)
    router.get("/webhooks/youtube/:channel") { request, _ in try await holder.withLockedValue { $0! }.respond(request) }
    router.post("/webhooks/youtube/:channel") { request, _ in try await holder.withLockedValue { $0! }.respond(request) }
    // A hub that moved: 307 to the probe's own callback, where a followed POST would show up as a delivery.
    router.post("/moved-hub") { _, _ in
        let target = holder.withLockedValue { $0! }.push.callback(channelID: "UC_x5XG1OV2P6uZZ5FSM9Ttw")
        return Response(status: .temporaryRedirect, headers: [.location: target])
    }
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
        onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: standInQuietLogger("websub-probe"))
    let task = Task { try await app.runService() }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())
    let probe = WebSubProbe(push: YouTubePush(
        hubURL: hubURL, callbackURL: "http://127.0.0.1:\(port)/webhooks/youtube", secrets: WebSubSecrets(masters: ["probe-master-secret"])))
    holder.withLockedValue { $0 = probe }
    do {
        try await body(probe)
    } catch {
        task.cancel()
        _ = await task.result
        throw error
    }
    task.cancel()
    _ = await task.result
}
