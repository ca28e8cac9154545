import EventSub
import HTTPTypes
import Hummingbird
public import Logging
import NIOCore
import URLEncoding

/// A local stand-in for where notifications go: Discord's Execute Webhook, Slack's incoming
/// webhooks and a Standard Webhooks receiver, with the services' documented paths, status codes,
/// headers and error bodies. Tests start it in-process (`withRunning`); `local-runner/run` starts
/// the `discord-stand-in` executable and points destinations at it. All state is in memory.
///
/// Discord (`/api/v10/webhooks/{id}/{token}`, also unversioned and `v9`):
/// - `POST` with a JSON body executes the webhook: 204, or with `?wait=true` 200 and the message
///   object (`id` snowflake, `channel_id`, `content`, `embeds`, `webhook_id`, `timestamp`,
///   `author`, and `mentions`/`mention_roles`/`mention_everyone`: what would have pinged after
///   `allowed_mentions`; without it a webhook parses user mentions only). `thread_id` is recorded.
///   Errors: unknown or deleted webhook 404 `{"message":"Unknown Webhook","code":10015}`; wrong
///   token 401 `{"message":"Invalid Webhook Token","code":50027}`; invalid JSON 400 code 50109;
///   over a limit (`content` > 2000, > 10 embeds, embed field limits, 6000 in total, bad
///   `allowed_mentions`, `username` not 1–80) 400 `{"message":"Invalid Form Body","code":50035,
///   "errors":{…}}` with Discord's error tree; nothing to show 400 `{"message":"Cannot send an
///   empty message","code":50006}`.
/// - `GET` answers the webhook object (Get Webhook with Token); not rate limited here.
/// - Every `POST` answer carries `X-RateLimit-Limit`, `-Remaining`, `-Reset` (Unix seconds,
///   milliseconds), `-Reset-After` and `-Bucket` (one per webhook). Each webhook has a fixed
///   window bucket (default 5 per 2 s) and each client IP a global one (default 50 per s).
///   Over either: 429 `{"message":"You are being rate limited.","retry_after":<s>,"global":<bool>}`
///   with `Retry-After` (whole seconds), `X-RateLimit-Scope` (`user` or `global`) and, when
///   global, `X-RateLimit-Global: true`. Every request counts, errors included, as at Discord.
///   A request inside the window a 429 announced is answered 429 again and counted as hammering.
///
/// Slack (`POST /services/{team}/{hook}/{token}`): see `SlackWebhookEndpoint.swift`; per hook a
/// bucket (default 1 per s), 429 `rate_limited` with `Retry-After`.
///
/// Standard Webhooks (`POST /_receiver/{name}`): see `WebhookReceiverEndpoint.swift`.
///
/// Control endpoints (not part of any service; bodies and answers are JSON, errors
/// `{"error":{"code","message"}}`):
/// - `POST /_stand-in/webhooks` `{"name"?,"channel_id"?,"guild_id"?}` → 201 `{"id","token","url",
///   "path",…}`; `GET /_stand-in/webhooks[/{id}]` (with `counters`); `DELETE /_stand-in/webhooks/{id}`.
/// - `POST /_stand-in/webhooks/{id}/limit` `{"limit","window_seconds"}`: that webhook's bucket.
/// - `POST /_stand-in/webhooks/{id}/force` `{"responses":[{"kind":"rate_limited","retry_after":1.5,
///   "global":false}|{"kind":"status","status":502}|{"kind":"delay","seconds":2}|
///   {"kind":"timeout","seconds":30}, each with "count"?]}` (or one such object): answers for the
///   next requests, in order (see `ForcedResponse`).
/// - `GET /_stand-in/messages?webhook_id=` → `{"messages":[…]}` with each raw body.
/// - `GET|POST /_stand-in/limits` `{"webhook_limit","webhook_window_seconds","global_limit",
///   "global_window_seconds","slack_limit","slack_window_seconds","receiver_tolerance_seconds"}`.
/// - `POST /_stand-in/slack/hooks` `{"channel"?}` → 201 `{"team_id","hook_id","token","url",…}`;
///   `GET|DELETE /_stand-in/slack/hooks/{id}`; `…/{id}/limit`, `…/{id}/force` as above;
///   `GET /_stand-in/slack/messages?hook_id=`.
/// - `POST /_stand-in/receivers` `{"name","secret"?}` → 201 `{"name","url","secret"}` (a fresh
///   `whsec_` secret when none is given); `GET|DELETE /_stand-in/receivers/{name}` (counters and
///   deliveries); `POST /_stand-in/receivers/{name}/force`.
/// - `GET /_stand-in/stats`: counters per webhook, hook and receiver, and totals (`requests`,
///   `accepted`, `rate_limited`, `hammering`, `forced_failures`, `duplicates`).
/// - `POST /_stand-in/reset`: forgets everything.
/// - `GET /` or `/_stand-in/messages.html`: the received messages as a page. `GET /healthz` → `ok`.
public final class DiscordStandInServer: Sendable {
    public let state: DiscordStandInState
    let logger: Logger

    /// Largest request body read (Discord allows 25 MiB with files; JSON bodies are small).
    static let maximumBodyBytes = 1 << 20

    public init(configuration: DiscordStandInConfiguration = DiscordStandInConfiguration(), logger: Logger = Logger(label: "discord-stand-in")) {
        self.state = DiscordStandInState(configuration: configuration)
        self.logger = logger
    }

    public init(state: DiscordStandInState, logger: Logger = Logger(label: "discord-stand-in")) {
        self.state = state
        self.logger = logger
    }

    /// Serves until SIGTERM/SIGINT or until the calling task is cancelled. `onRunning` gets the
    /// bound port (pass port 0 to let the kernel pick a free one).
    public func run(host: String = "127.0.0.1", port: Int, onRunning: (@Sendable (Int) -> Void)? = nil) async throws {
        let app = Application(
            responder: StandInResponder(server: self),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in onRunning?(channel.localAddress?.port ?? port) },
            logger: logger)
        try await app.runService()
    }

    /// Answers one request (routing without sockets).
    func handle(_ request: StandInRequest) async -> StandInResponse {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if let (id, token) = Self.webhookPath(segments) { return await webhookEndpoint(request, id: id, token: token) }
        if let (team, hook, token) = Self.slackPath(segments) { return await slackWebhook(request, team: team, hookID: hook, token: token) }
        if segments.count == 2, segments[0] == "_receiver" { return await webhookReceiver(request, name: segments[1]) }
        if segments.first == "_stand-in" { return await control(request, segments: segments) }
        if request.method == "GET", segments.isEmpty { return messagesPage() }
        if request.method == "GET", segments == ["healthz"] { return .text(200, "ok") }
        return .discord(404, code: 0, "404: Not Found")
    }

    /// Message timestamps (ISO 8601, UTC).
    static func timestamp(_ unixSeconds: Double) -> String { RFC3339.format(unixSeconds: unixSeconds) }
}

/// The request context: Hummingbird's core, plus the client's IP for the global limit.
struct StandInRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteIP: String

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

/// Reads the request from Hummingbird and writes the stand-in's answer back.
struct StandInResponder: HTTPResponder {
    typealias Context = StandInRequestContext
    let server: DiscordStandInServer

    func respond(to request: Request, context: StandInRequestContext) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers where headers[field.name.canonicalName] == nil {
            headers[field.name.canonicalName] = field.value
        }
        if headers["host"] == nil, let authority = request.head.authority { headers["host"] = authority }
        let answer: StandInResponse
        do {
            var buffer = try await request.body.collect(upTo: DiscordStandInServer.maximumBodyBytes)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            answer = await server.handle(StandInRequest(
                method: request.method.rawValue, path: request.uri.path, query: QueryItems(request.uri.query), headers: headers, body: body,
                remoteIP: context.remoteIP))
        } catch {
            answer = .discord(413, code: 40005, "Request entity too large")
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
