import URLEncoding
import HTTPTypes
import Hummingbird
public import Logging
import NIOCore

/// A local stand-in for Twitch: the OAuth client credentials flow, the Helix endpoints the product
/// calls (users, streams, EventSub subscriptions) and EventSub webhook deliveries, with Twitch's
/// documented request and response shapes, errors, rate limit headers and signatures. Tests and
/// `local-runner/run` (when no Twitch credentials are configured) point `HelixConfiguration`'s
/// base URLs at it: `http://127.0.0.1:<port>/helix` and `http://127.0.0.1:<port>/oauth2`.
///
/// Twitch's endpoints:
/// - `POST /oauth2/token` (form or query: `client_id`, `client_secret`, `grant_type=client_credentials`)
///   → `{"access_token","expires_in","token_type":"bearer"}`; an unknown client id is 400
///   `invalid client`, a wrong secret 403 `invalid client secret`. Tokens expire after
///   `tokenLifetimeSeconds`.
/// - `GET /oauth2/validate` with `Authorization: OAuth <token>` → `{"client_id","scopes":[],"expires_in"}`.
/// - `GET /helix/users?id=…&login=…` (repeated, 100 in total; 400 without either).
/// - `GET /helix/streams?user_id=…&user_login=…&first=…&after=…` (live users only, most viewers
///   first, `first` 1–100, default 20).
/// - `GET /helix/eventsub/subscriptions` (one of `status`, `type`, `user_id`, `subscription_id`;
///   pages of `subscriptionPageSize`, `after` cursor, `pagination` `{}` on the last page),
///   `POST` (202, then a signed `webhook_callback_verification` challenge to the callback: `enabled`
///   if it answers 2xx with exactly the challenge, else `webhook_callback_verification_failed`;
///   409 for a duplicate type + version + condition among enabled and pending ones; cost 1, or 0
///   when a user in the condition has authorized the app), `DELETE ?id=` (204, 404).
///
/// Every `/helix` request needs `Authorization: Bearer <token>` and the configured `Client-Id`
/// (else 401), takes a point from the token bucket (empty: 429) and is answered with
/// `Ratelimit-Limit`, `Ratelimit-Remaining` and `Ratelimit-Reset`.
///
/// Differences from Twitch, on purpose: callbacks may be plain `http://` on any port (Twitch
/// requires HTTPS on 443); only the webhook transport exists; well-formed logins that nobody
/// added are created on first `GET /helix/users?login=` with a numeric id derived from the login
/// (FNV-1a, stable across runs), so any login can be added as a creator locally; condition user
/// ids must be numeric but need not belong to a known user; exceeding `max_total_cost` answers 429.
///
/// Control endpoints (not part of Twitch; for tests, the demo and people at the keyboard):
/// - `POST /_stand-in/users` `{"users":[{"login","id"?,"display_name"?,"broadcaster_type"?,"authorized"?}]}`
///   (or one such object): adds users or updates them; without `id` the derived id is used.
/// - `POST /_stand-in/streams` `{"user_id"|"user_login","live"?:true,"title"?,"game_id"?,"game_name"?,
///   "viewer_count"?,"language"?,"tags"?}`: puts a user live (or updates their stream);
///   `"live":false` takes them offline. An unknown `user_login` is added first.
/// - `POST /_stand-in/subscriptions/{id}/status` `{"status":"authorization_revoked"}`: sets the
///   status; moving an enabled or pending subscription to any other status sends a signed
///   `revocation` to its callback, as Twitch does.
/// - `POST /_stand-in/trigger` `{"type","version"?,"event":{…},"callback"?,"secret"?,"condition"?}`:
///   sends a signed `notification` (`{"subscription":{…},"event":{…}}`, all `Twitch-Eventsub-*`
///   headers, like `twitch event trigger`) to every enabled subscription of that type and version
///   whose condition fits the event, with each one's secret; with `callback`, to that URL instead
///   (signed with the matching subscription's secret; when none matches, with `secret` or else
///   `defaultDeliverySecret`). Answers
///   `{"deliveries":[{"subscription_id","callback","message_id","status","error"}]}` once the
///   callbacks have answered; 404 when nothing matches and no callback is given.
/// - `GET /healthz` → `ok`.
public final class TwitchStandInServer: Sendable {
    public let configuration: StandInConfiguration
    /// What the stand-in knows; tests add users, set streams and inspect subscriptions here.
    public let state: StandInState
    let deliverer: CallbackDeliverer
    let logger: Logger

    /// Largest request body read (Helix bodies are small JSON objects).
    static let maximumBodyBytes = 1 << 20

    public init(configuration: StandInConfiguration = StandInConfiguration(), logger: Logger = Logger(label: "twitch-stand-in")) {
        self.configuration = configuration
        self.state = StandInState(configuration: configuration)
        self.deliverer = CallbackDeliverer(timeoutSeconds: configuration.callbackTimeoutSeconds)
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
        do {
            try await app.runService()
        } catch {
            await deliverer.shutdown()
            throw error
        }
        await deliverer.shutdown()
    }

    /// Answers one request (routing without sockets).
    func handle(_ request: StandInRequest) async -> StandInResponse {
        let path = request.path
        if path == "/healthz" {
            return StandInResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array("ok".utf8))
        }
        if path == "/oauth2/token" {
            guard request.method == "POST" else { return .oauthError(405, "method not allowed") }
            return issueToken(request)
        }
        if path == "/oauth2/validate" {
            guard request.method == "GET" else { return .oauthError(405, "method not allowed") }
            return validateToken(request)
        }
        if path.hasPrefix("/helix/") { return await helix(request) }
        if path.hasPrefix("/_stand-in/") { return await control(request) }
        return .helixError(404, "no such endpoint: \(path)")
    }

    /// Authentication and the rate limit first, then the endpoint; every answer carries the
    /// `Ratelimit-*` headers.
    private func helix(_ request: StandInRequest) async -> StandInResponse {
        var response: StandInResponse
        var rateHeaders: [(String, String)]
        if let refusal = authenticate(request) {
            response = refusal
            rateHeaders = state.rateHeaders()
        } else {
            let (allowed, headers) = state.takeRatePoint()
            rateHeaders = headers
            if allowed {
                response = await route(request)
            } else {
                response = .helixError(429, "Too Many Requests: the rate limit bucket is empty until Ratelimit-Reset")
            }
        }
        response.headers.append(contentsOf: rateHeaders)
        return response
    }

    private func authenticate(_ request: StandInRequest) -> StandInResponse? {
        guard let authorization = request.header("authorization"), !authorization.isEmpty else {
            return .helixError(401, "OAuth token is missing")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", state.remainingSeconds(ofToken: String(parts[1])) != nil else {
            return .helixError(401, "Invalid OAuth token")
        }
        guard let clientID = request.header("client-id"), !clientID.isEmpty else {
            return .helixError(401, "Client ID is missing")
        }
        guard clientID == configuration.clientID else { return .helixError(401, "Client ID and OAuth token do not match") }
        return nil
    }

    private func route(_ request: StandInRequest) async -> StandInResponse {
        state.countHelixRequest(path: request.path)
        switch (request.method, request.path) {
        case ("GET", "/helix/users"): return users(request)
        case ("GET", "/helix/streams"): return streams(request)
        case ("GET", "/helix/eventsub/subscriptions"): return listSubscriptions(request)
        case ("POST", "/helix/eventsub/subscriptions"): return createSubscription(request)
        case ("DELETE", "/helix/eventsub/subscriptions"): return deleteSubscription(request)
        case (_, "/helix/users"), (_, "/helix/streams"), (_, "/helix/eventsub/subscriptions"):
            return .helixError(405, "method \(request.method) is not allowed on \(request.path)")
        default:
            return .helixError(404, "no such endpoint: \(request.path)")
        }
    }
}

/// Reads the request from Hummingbird and writes the stand-in's answer back.
struct StandInResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let server: TwitchStandInServer

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers where headers[field.name.canonicalName] == nil {
            headers[field.name.canonicalName] = field.value
        }
        let answer: StandInResponse
        do {
            var buffer = try await request.body.collect(upTo: TwitchStandInServer.maximumBodyBytes)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            answer = await server.handle(StandInRequest(
                method: request.method.rawValue, path: request.uri.path, query: QueryItems(request.uri.query), headers: headers, body: body))
        } catch {
            answer = .helixError(413, "request body is larger than \(TwitchStandInServer.maximumBodyBytes) bytes")
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
