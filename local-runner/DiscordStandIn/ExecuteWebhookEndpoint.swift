import JSONValue
import URLEncoding

/// Discord's Execute Webhook (`POST /api/v10/webhooks/{id}/{token}`, or unversioned) and Get
/// Webhook with Token (`GET`, no rate limit here).
extension DiscordStandInServer {
    /// `["api", "v10"?, "webhooks", id, token]` → (id, token); nil for any other path.
    static func webhookPath(_ segments: [String]) -> (id: String, token: String)? {
        var rest = segments[...]
        guard rest.first == "api" else { return nil }
        rest = rest.dropFirst()
        if let version = rest.first, ["v9", "v10"].contains(version) { rest = rest.dropFirst() }
        guard rest.count == 3, rest.first == "webhooks" else { return nil }
        return (rest[rest.startIndex + 1], rest[rest.startIndex + 2])
    }

    func webhookEndpoint(_ request: StandInRequest, id: String, token: String) async -> StandInResponse {
        switch request.method {
        case "POST":
            return await executeWebhook(request, id: id, token: token)
        case "GET":
            switch state.lookUp(webhookID: id, token: token) {
            case .found(let webhook): return .json(200, webhook.json)
            case .unknown: return .unknownWebhook
            case .invalidToken: return .invalidWebhookToken
            }
        default:
            return .discord(405, code: 0, "405: Method Not Allowed")
        }
    }

    /// Limits first (every request counts, as at Discord), then a forced answer, the webhook and
    /// its token, the body; every answer carries the bucket's `X-RateLimit-*` headers.
    func executeWebhook(_ request: StandInRequest, id: String, token: String) async -> StandInResponse {
        let admission = state.admit(.webhook(id), global: .global(request.remoteIP))
        var response = await executeAdmitted(request, id: id, token: token, admission: admission)
        if let bucket = admission.bucket {
            response.headers += [
                ("X-RateLimit-Limit", String(bucket.limit)), ("X-RateLimit-Remaining", String(max(0, bucket.remaining))),
                ("X-RateLimit-Reset", DecimalSeconds.text(bucket.resetAt)), ("X-RateLimit-Reset-After", DecimalSeconds.text(bucket.resetAfter)),
                ("X-RateLimit-Bucket", bucket.bucket),
            ]
        }
        return response
    }

    private func executeAdmitted(_ request: StandInRequest, id: String, token: String, admission: Admission) async -> StandInResponse {
        switch admission.outcome {
        case .rateLimited(let retryAfter, let global):
            var response = StandInResponse.json(429, [
                "message": "You are being rate limited.", "retry_after": .double(retryAfter), "global": .bool(global),
            ])
            response.headers += [("Retry-After", DecimalSeconds.wholeText(retryAfter)), ("X-RateLimit-Scope", global ? "global" : "user")]
            if global { response.headers.append(("X-RateLimit-Global", "true")) }
            return response
        case .proceed(let forced):
            if let early = await serve(forced, service: .discord) { return early }
        }
        let webhook: StandInWebhook
        switch state.lookUp(webhookID: id, token: token) {
        case .found(let found): webhook = found
        case .unknown: return .unknownWebhook
        case .invalidToken: return .invalidWebhookToken
        }
        var wait = false
        if let value = request.query.first("wait") {
            switch value.lowercased() {
            case "true", "1": wait = true
            case "false", "0": wait = false
            default:
                var errors = FormErrors()
                errors.add(["wait"], code: "BASE_TYPE_BOOLEAN", message: "Must be either true or false.")
                return .invalidFormBody(errors.json)
            }
        }
        guard let body = try? JSONParser.parse(request.body) else { return .invalidJSON }
        if let errors = DiscordMessageValidation.errors(in: body) { return .invalidFormBody(errors) }
        if DiscordMessageValidation.isEmpty(body) { return .emptyMessage }
        let content = body["content"]?.stringValue ?? ""
        let mentions = MentionResolution.resolve(content: content, allowedMentions: body["allowed_mentions"])
        let message = state.recordMessage(webhook: webhook, body: body, rawBody: request.body, threadID: request.query.first("thread_id"),
                                          mentions: mentions)
        guard wait else { return .noContent() }
        return .json(200, message.messageObject(webhook: webhook, timestamp: DiscordStandInServer.timestamp(message.receivedAt)))
    }

    /// Serves a forced failure (after its wait), or waits out a forced delay and returns nil so
    /// the request is handled as usual.
    func serve(_ forced: ForcedResponse?, service: StandInResponse.Service) async -> StandInResponse? {
        switch forced {
        case .none, .rateLimited:
            return nil
        case .status(let status):
            return .forcedStatus(status, service: service)
        case .delay(let seconds):
            await Self.sleep(seconds)
            return nil
        case .timeout(let seconds):
            await Self.sleep(seconds)
            return .forcedStatus(504, service: service)
        }
    }

    static func sleep(_ seconds: Double) async {
        guard seconds > 0 else { return }
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }
}
