import HTTPTypes
import Hummingbird
public import Logging
import NIOCore
import URLEncoding

/// A local stand-in for YouTube's push and Data API: Google's WebSub hub for channel feeds and
/// the Data API v3 `videos.list`/`channels.list`, with the documented request and response
/// shapes, error bodies, quota costs and signatures. Tests and `local-runner/run` point the
/// product at it: hub `http://127.0.0.1:<port>/subscribe`, Data API
/// `http://127.0.0.1:<port>/youtube/v3`.
///
/// The hub (PubSubHubbub 0.4 / WebSub, as Google's hub behaves; messages from the reference hub):
/// - `POST /subscribe`, form-encoded `hub.callback`, `hub.mode` (`subscribe`|`unsubscribe`),
///   `hub.topic`, `hub.lease_seconds`, `hub.secret`, `hub.verify` (`async` default, `sync`),
///   `hub.verify_token`. A bad parameter is 400 with one plain-text line (`Invalid parameter:
///   hub.callback`, `Invalid parameter: hub.topic`, `Invalid value for hub.mode: …`, `Invalid
///   value for hub.lease_seconds: …`, a secret of 200 bytes or more). Otherwise 202, then the
///   verification of intent: `GET callback?hub.mode&hub.topic&hub.challenge&hub.lease_seconds`
///   (a 128-character challenge); the subscription becomes active (replacing one of the same
///   callback and topic, secret included) only if the callback answers 2xx with exactly the
///   challenge. An unsubscribe is verified the same way; one for a subscription the hub does not
///   have is 204 at once (as the reference hub). With `hub.verify=sync` the answer waits for the
///   verification: 204, or 409 `Error trying to confirm subscription`.
/// - Topics are channel feeds, `https://www.youtube.com/xml/feeds/videos.xml?channel_id=UC…`, of
///   a channel the stand-in knows; any other topic (the `/feeds/videos.xml` spelling without
///   `/xml/` included) is denied: `GET callback?hub.mode=denied&hub.topic&hub.reason`.
/// - Leases: `hub.lease_seconds` capped at `maximumLeaseSeconds`, `defaultLeaseSeconds` without
///   one (both 432,000 s); counted from the verification; an expired subscription gets nothing
///   (it stays listed, inactive). `StandInClock.advance` crosses a lease without waiting.
/// - Content distribution: when a video is published, its title or description changes, or it
///   is deleted (control API), every active subscriber of the channel's topic gets `POST` with
///   YouTube's Atom feed (`entry` with `yt:videoId`, `yt:channelId`, …; `at:deleted-entry` for
///   deletions), `Content-Type: application/atom+xml`, `Link` rel=hub/rel=self and, when the
///   subscription has a secret, `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body>`. Non-2xx is
///   retried `deliveryAttempts` times with doubling delays from `deliveryRetrySeconds`; 410
///   ends the subscription. Going live or ending a broadcast pushes nothing unless asked
///   (`"notify":true`): YouTube pushes on upload and title/description changes only.
///
/// The Data API (`key=` required: none is 403 `forbidden` "The request is missing a valid API
/// key.", an unknown one 400 `badRequest` "API key not valid…"; then 1 unit per call per key
/// per Pacific-time day, invalid requests included; over `dailyQuota` 403 `quotaExceeded` with
/// Google's exact body):
/// - `GET /youtube/v3/videos?part=…&id=a,b` (≤ 50 ids; parts `id`, `snippet`,
///   `liveStreamingDetails` modelled, other documented parts accepted and left out; unknown
///   part 400 `unknownPart`; no filter 400 `missingRequiredParameter`; two filters 400
///   `incompatibleParameters`; `myRating` 401; `chart` and more than 50 ids 400 `invalidFilters`).
/// - `GET /youtube/v3/channels?part=…&forHandle=@h|id=UC…|forUsername=…` (parts `id`, `snippet`,
///   `contentDetails`; no match: `pageInfo.totalResults` 0 and no `items`, as Google answers).
///
/// Control endpoints (not part of YouTube; JSON; errors `{"error":{"code","message"}}`):
/// - `POST /_stand-in/channels` `{"handle","title","id"?,"description"?,"username"?}`,
///   `GET /_stand-in/channels`.
/// - `POST /_stand-in/videos` `{"channel_id","title","id"?,"description"?,"live"?,
///   "scheduled_start_time"?,"concurrent_viewers"?,"notify"?:true}`, `GET /_stand-in/videos`.
/// - `POST /_stand-in/videos/{id}` `{"title"?,"description"?,"notify"?:true}`: an update.
/// - `POST /_stand-in/videos/{id}/live` `{"concurrent_viewers"?,"notify"?:false}`,
///   `POST /_stand-in/videos/{id}/end` `{"notify"?:false}`,
///   `POST /_stand-in/videos/{id}/viewers` `{"concurrent_viewers"}`,
///   `DELETE /_stand-in/videos/{id}` (`?notify=false` to skip the tombstone push).
/// - `POST /_stand-in/channels/{id}/live` `{"title","concurrent_viewers"?}`: a new broadcast,
///   live now, pushed like an upload; `POST /_stand-in/channels/{id}/offline`: ends every live
///   broadcast of the channel.
/// - `POST /_stand-in/deliveries` `{"kind","channel_id","callback"?}` with a `HostileFeed` kind
///   (`billion-laughs`, `xxe`, `oversized`, `bad-signature`, `unsigned`, `foreign-channel`), or
///   `{"kind":"entry","video_id"}` to push a video again: sent once to every active subscriber of
///   the channel (or to `callback` when given, signed with its subscription's secret), answered
///   once the callbacks have answered. `GET /_stand-in/deliveries`.
/// - `GET /_stand-in/subscriptions`, `GET /_stand-in/verifications`.
/// - `GET /_stand-in/quota`; `POST /_stand-in/quota` `{"daily_limit"?,"used"?,"key"?}`.
/// - `POST /_stand-in/clock` `{"advance_seconds"}`.
/// - `GET /` an HTML overview; `GET /healthz` → `ok`.
public final class YouTubeStandInServer: Sendable {
    public let configuration: YouTubeStandInConfiguration
    /// What the stand-in knows; tests add channels and inspect subscriptions here.
    public let state: YouTubeStandInState
    let callbacks: CallbackClient
    let work = BackgroundWork()
    let logger: Logger

    /// Largest request body read (forms and control JSON are small).
    static let maximumBodyBytes = 1 << 20

    public init(configuration: YouTubeStandInConfiguration = YouTubeStandInConfiguration(), logger: Logger = Logger(label: "youtube-stand-in")) {
        self.configuration = configuration
        self.state = YouTubeStandInState(configuration: configuration)
        self.callbacks = CallbackClient(timeoutSeconds: configuration.callbackTimeoutSeconds)
        self.logger = logger
    }

    /// Serves until SIGTERM/SIGINT or until the calling task is cancelled. `onRunning` gets the
    /// bound port (pass port 0 to let the kernel pick a free one).
    public func run(host: String = "127.0.0.1", port: Int, onRunning: (@Sendable (Int) -> Void)? = nil) async throws {
        let app = Application(
            responder: YouTubeStandInResponder(server: self),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in onRunning?(channel.localAddress?.port ?? port) },
            logger: logger)
        do {
            try await app.runService()
        } catch {
            await callbacks.shutdown()
            throw error
        }
        await callbacks.shutdown()
    }

    /// Waits until the hub's background work (verifications, deliveries and their retries) is
    /// done; false if it is still busy after `timeoutSeconds`.
    @discardableResult
    public func settle(timeoutSeconds: Double = 10) async -> Bool {
        await work.settle(timeoutSeconds: timeoutSeconds)
    }

    /// Answers one request (routing without sockets).
    func handle(_ request: StandInRequest) async -> StandInResponse {
        switch request.path {
        case "/healthz": return .text(200, "ok")
        case "/": return request.method == "GET" ? .html(StatusPage.render(state: state)) : .text(405, "Method not allowed")
        case "/subscribe": return await subscribe(request)
        default: break
        }
        if request.path.hasPrefix("/youtube/v3/") { return dataAPI(request) }
        if request.path.hasPrefix("/_stand-in/") { return await control(request) }
        return .text(404, "Not found")
    }

    /// `POST /subscribe`.
    private func subscribe(_ request: StandInRequest) async -> StandInResponse {
        guard request.method == "POST" else { return .text(405, "Method not allowed: subscribe with POST") }
        let subscription: SubscriptionRequest
        switch SubscriptionRequest.parse(request.formParameters, configuration: configuration) {
        case .success(let value): subscription = value
        case .failure(let response): return response
        }
        if subscription.mode == .unsubscribe, !state.hasSubscription(callback: subscription.callback, topic: subscription.topic) {
            return .empty(204)
        }
        if subscription.synchronous {
            return await verifyIntent(subscription) ? .empty(204) : .text(409, "Error trying to confirm subscription")
        }
        work.start { [self] in await self.verifyIntent(subscription) }
        return .empty(202)
    }
}

/// Reads the request from Hummingbird and writes the stand-in's answer back.
struct YouTubeStandInResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let server: YouTubeStandInServer

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers where headers[field.name.canonicalName] == nil {
            headers[field.name.canonicalName] = field.value
        }
        let answer: StandInResponse
        do {
            var buffer = try await request.body.collect(upTo: YouTubeStandInServer.maximumBodyBytes)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            answer = await server.handle(StandInRequest(
                method: request.method.rawValue, path: request.uri.path, query: QueryItems(request.uri.query), headers: headers, body: body))
        } catch {
            answer = .text(413, "Request body is larger than \(YouTubeStandInServer.maximumBodyBytes) bytes")
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
