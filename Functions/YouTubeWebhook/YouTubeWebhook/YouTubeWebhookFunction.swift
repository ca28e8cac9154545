public import BlockingIO
public import FunctionRuntime
public import FunctionServer
public import JobQueue
import Logging
public import Redis
import URLEncoding
public import WebSub

/// `/webhooks/youtube/<channel id>`: the WebSub callback of one channel's subscription. The path
/// names the subscription; the `Link` headers of a push never do (WebSub §7).
///
/// - `GET`: the hub's verification of intent (§5.3). The challenge is echoed (200, `text/plain`,
///   `nosniff`) only when the topic is the channel's feed and `websub_subscriptions` has asked
///   for that mode: `requested`/`verified` for subscribe, `unsubscribing` for unsubscribe; the
///   lease is recorded. Anything else we did not ask for is 404, a malformed query 400.
///   `hub.mode=denied` is recorded with its reason and answered 200.
/// - `POST`: a push. Signature (HMAC over the raw body against the topic's accepted secrets, in
///   constant time), then the subscription (none: 410), then the safe Atom reader; entries of
///   other channels are dropped. What is left becomes one `youtube-status` job, answered 204
///   without waiting for the Data API. A bad or missing signature and a document the reader
///   refuses are answered 204 too, counted and logged, never stored (`IgnoredPushes`).
public struct YouTubeWebhookFunction: HTTPFunction {
    public static let path = "/webhooks/youtube"

    /// What the safe reader accepts (a push is about 1 KiB); larger bodies are 413 before any byte
    /// is parsed. The hub has no reason to send one, so it retrying one costs nothing.
    public var maxBodyBytes: Int { SafeXML.Limits().maximumBytes }

    private let subscriptions: PushSubscriptions
    private let secrets: WebSubSecrets
    private let redis: RedisClient
    private let ignored: IgnoredPushes
    private let queue: JobQueue
    private let now: @Sendable () -> Double

    /// `queue` is `youtube-status`'s unless a test gives its own.
    public init(subscriptions: PushSubscriptions, secrets: WebSubSecrets, redis: RedisClient, ignored: IgnoredPushes,
                queue: JobQueue = YouTubeCheckRequest.queue, now: @escaping @Sendable () -> Double = wallClockSeconds) {
        self.subscriptions = subscriptions
        self.secrets = secrets
        self.redis = redis
        self.ignored = ignored
        self.queue = queue
        self.now = now
    }

    public func handle(_ request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        do {
            let channelID = try Self.channelID(inPath: request.path)
            switch request.method {
            case "GET": return try await verify(channelID: channelID, query: QueryItems(request.query), context: context)
            case "POST": return try await receive(channelID: channelID, request: request, context: context)
            default: throw YouTubeWebhookRejection.methodNotAllowed(request.method)
            }
        } catch let rejection as YouTubeWebhookRejection {
            if rejection.status >= 500 {
                context.logger.error("youtube webhook request failed", metadata: ["reason": "\(rejection)"])
            } else {
                context.logger.notice("youtube webhook request refused", metadata: ["status": "\(rejection.status)", "reason": "\(rejection)"])
            }
            throw rejection.functionError
        }
    }

    /// The channel id after `/webhooks/youtube/`, which must be the whole rest of the path.
    static func channelID(inPath path: String) throws(YouTubeWebhookRejection) -> String {
        guard let id = YouTubePush.channelID(callbackPath: path, basePath: Self.path) else { throw .unknownCallback(path) }
        return id
    }

    // MARK: - Verification of intent

    private func verify(channelID: String, query: QueryItems, context: FunctionContext) async throws -> FunctionResponse {
        let lease: PushSubscriptions.Lease?
        do {
            lease = try await subscriptions.lease(channelID: channelID)
        } catch {
            throw YouTubeWebhookRejection.unavailable("subscription store (\(error))")
        }
        // Only the channel's own feed topic, in the mode we asked for.
        var intent: WebSubIntent?
        if let lease, lease.topic == YouTubeTopic.url(channelID: channelID) {
            switch lease.status {
            case "requested", "verified": intent = WebSubIntent(mode: .subscribe, topic: lease.topic)
            case "unsubscribing": intent = WebSubIntent(mode: .unsubscribe, topic: lease.topic)
            default: intent = nil
            }
        }
        let verification: WebSubVerification
        switch WebSubVerifier.verify(query: query, intent: intent) {
        case .success(let value):
            verification = value
        case .failure(let refusal):
            switch refusal {
            case .notRequested, .topicMismatch, .modeMismatch: throw YouTubeWebhookRejection.notRequested(refusal)
            case .missingParameter, .unknownMode, .invalidChallenge, .invalidLeaseSeconds: throw YouTubeWebhookRejection.invalidVerification(refusal)
            }
        }

        let recorded: Bool
        do {
            switch verification {
            case .confirm(_, .subscribe, let topic, let leaseSeconds):
                recorded = try await subscriptions.confirmSubscribe(channelID: channelID, topic: topic, leaseSeconds: leaseSeconds ?? YouTubePush.defaultLeaseSeconds)
            case .confirm(_, .unsubscribe, let topic, _):
                recorded = try await subscriptions.confirmUnsubscribe(channelID: channelID, topic: topic)
            case .denied(let topic, let reason):
                recorded = try await subscriptions.deny(channelID: channelID, topic: topic, reason: Self.deniedReason(reason))
            }
        } catch {
            throw YouTubeWebhookRejection.unavailable("subscription store (\(error))")
        }
        // The row changed between reading and writing it (the renewal job moved on): not confirmed.
        guard recorded else { throw YouTubeWebhookRejection.notRequested(.notRequested) }

        switch verification {
        case .confirm(let challenge, let mode, _, let leaseSeconds):
            context.logger.info("youtube subscription verified", metadata: [
                "channelId": "\(channelID)", "mode": "\(mode.rawValue)", "leaseSeconds": "\(leaseSeconds.map(String.init) ?? "-")"])
            return FunctionResponse(status: 200, headers: [
                ("content-type", "text/plain; charset=utf-8"), ("x-content-type-options", "nosniff"), ("cache-control", "no-store"),
            ], body: Array(challenge.utf8))
        case .denied(_, let reason):
            context.logger.warning("youtube hub denied a subscription", metadata: ["channelId": "\(channelID)", "reason": "\(reason ?? "")"])
            return FunctionResponse(status: 200, headers: [("content-type", "text/plain; charset=utf-8"), ("x-content-type-options", "nosniff")])
        }
    }

    /// `hub.reason` as stored: printable, bounded.
    static func deniedReason(_ reason: String?) -> String {
        let printable = (reason ?? "").unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) }
        let text = String(String(printable).prefix(300))
        return "hub denied the subscription" + (text.isEmpty ? "" : ": " + text)
    }

    // MARK: - Content distribution

    private func receive(channelID: String, request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        let receivedAt = now()
        let topic = YouTubeTopic.url(channelID: channelID)
        switch WebSubSignature.check(header: request.header(WebSubSignature.headerName), body: request.body,
                                     secrets: secrets.acceptedSecrets(forTopic: topic)) {
        case .valid:
            break
        case .invalid:
            await ignored.record(.badSignature, channelID: channelID, detail: "signature does not match", logger: context.logger)
            return FunctionResponse(status: 204)
        case .missing:
            await ignored.record(.missingSignature, channelID: channelID, detail: "no \(WebSubSignature.headerName)", logger: context.logger)
            return FunctionResponse(status: 204)
        case .unsupportedAlgorithm(let method):
            await ignored.record(.unsupportedAlgorithm, channelID: channelID, detail: method, logger: context.logger)
            return FunctionResponse(status: 204)
        }

        let lease: PushSubscriptions.Lease?
        do {
            lease = try await subscriptions.lease(channelID: channelID)
        } catch {
            throw YouTubeWebhookRejection.unavailable("subscription store (\(error))")
        }
        // Denied or being unsubscribed counts as none: the hub should stop sending.
        guard let lease, lease.status == "requested" || lease.status == "verified" else { throw YouTubeWebhookRejection.gone(channelID: channelID) }

        let notification: YouTubeNotification
        do {
            notification = try YouTubeNotification.parse(request.body)
        } catch {
            await ignored.record(.unreadable, channelID: channelID, detail: error.description, logger: context.logger)
            return FunctionResponse(status: 204)
        }
        // Deleted or privated videos too: one of them may be the stream a channel is live with.
        var videoIDs: [String] = []
        var foreign = 0
        for entry in notification.videos {
            guard entry.channelID == channelID else {
                foreign += 1
                continue
            }
            if !videoIDs.contains(entry.videoID) { videoIDs.append(entry.videoID) }
        }
        for deletion in notification.deletions {
            guard let videoID = deletion.videoID, deletion.channelID == channelID else { continue }
            if !videoIDs.contains(videoID) { videoIDs.append(videoID) }
        }
        if foreign > 0 {
            await ignored.record(.foreignChannel, channelID: channelID, detail: "\(foreign) entries of other channels", logger: context.logger)
        }
        guard !videoIDs.isEmpty else { return FunctionResponse(status: 204) }

        let check = YouTubeCheckRequest.Check(channelID: channelID, videoIDs: Array(videoIDs.prefix(YouTubeCheckRequest.maximumVideoIDs)),
                                              receivedAt: receivedAt)
        let queue = self.queue
        do {
            try await redis.withConnection { connection in try YouTubeCheckRequest.enqueue(check, queue: queue, on: connection) }
        } catch {
            // Not answered 2xx: the hub sends the push again, and nothing was half-done.
            throw YouTubeWebhookRejection.unavailable("job queue (\(error))")
        }
        context.logger.info("youtube push queued", metadata: ["channelId": "\(channelID)", "videoIds": "\(check.videoIDs)"])
        return FunctionResponse(status: 204)
    }
}
