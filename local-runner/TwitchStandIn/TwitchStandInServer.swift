import URLEncoding
import HTTPTypes
import Hummingbird
public import Logging
import NIOCore

/// A local stand-in for Twitch: the OAuth client credentials and authorization code flows, the
/// Helix endpoints the product calls (users, streams, EventSub subscriptions) and EventSub webhook
/// deliveries, with Twitch's documented request and response shapes, errors, rate limit headers
/// and signatures. Tests and `local-runner/run` (when no Twitch credentials are configured) point
/// `HelixConfiguration`'s base URLs at it: `http://127.0.0.1:<port>/helix` and
/// `http://127.0.0.1:<port>/oauth2`.
///
/// Twitch's endpoints:
/// - `GET /oauth2/authorize?client_id&redirect_uri&response_type=code&scope&state&force_verify`:
///   an unknown client is 400 `invalid client` (JSON); a `redirect_uri` that is not one of
///   `redirectURIs` (when any are configured; else any http(s) URI is taken) redirects
///   `error=redirect_mismatch` to the first registered URI, as Twitch does; an unknown scope is
///   400 `invalid scope requested: '…'`. Then a consent page (client, scopes, a `#login` field
///   for the stand-in user who signs in, `#authorize` and `#cancel` buttons) whose form posts to
///   `POST /oauth2/authorize`, which repeats the checks and redirects (302) to
///   `redirect_uri?code=…&scope=…&state=…` (the scopes join the user's grant) or
///   `redirect_uri?error=access_denied&error_description=The+user+denied+you+access&state=…`.
///   With auto-approval on (control endpoint below), the GET redirects at once.
/// - `POST /oauth2/token` (form or query, `client_id` and `client_secret` always; an unknown
///   client id is 400 `invalid client`, a missing secret 400 `missing client secret`, a wrong one
///   403 `invalid client secret`):
///   - `grant_type=client_credentials` → `{"access_token","expires_in","token_type":"bearer"}`;
///     app tokens expire after `tokenLifetimeSeconds`.
///   - `grant_type=authorization_code` with `code` and `redirect_uri` →
///     `{"access_token","expires_in","refresh_token","scope":[…],"token_type":"bearer"}`. A code
///     works once and for `authorizationCodeLifetimeSeconds` (else 400 `Invalid authorization
///     code`); another `redirect_uri` than the authorize request's is 400 `Parameter redirect_uri
///     does not match registered URI` and uses the code up. User access tokens expire after
///     `userTokenLifetimeSeconds`.
///   - `grant_type=refresh_token` with `refresh_token` → the same shape with a new access token
///     and a new refresh token; the old refresh token stops working (400 `Invalid refresh token`,
///     as for unknown or revoked ones). Earlier access tokens stay valid until they expire.
/// - `GET /oauth2/validate` with `Authorization: OAuth <token>` → app token
///   `{"client_id","scopes":[],"expires_in"}`, user token `{"client_id","login","scopes","user_id",
///   "expires_in"}`; expired or revoked: 401 `invalid access token`.
/// - `POST /oauth2/revoke` (form `client_id`, `token`) → 200 with an empty body; an unknown or
///   already unusable token is 400 `Invalid token`, an unknown client 404 `client does not exist`.
///   Revoking a user token also ends its grant's refresh token, but not the user's authorization.
/// - `GET /helix/users?id=…&login=…` (repeated, 100 in total; 400 without either, unless the
///   token is a user token: then that user).
/// - `GET /helix/streams?user_id=…&user_login=…&first=…&after=…` (live users only, most viewers
///   first, `first` 1–100, default 20).
/// - `GET /helix/eventsub/subscriptions` (one of `status`, `type`, `user_id`, `subscription_id`;
///   pages of `subscriptionPageSize`, `after` cursor, `pagination` `{}` on the last page),
///   `POST` (202, then a signed `webhook_callback_verification` challenge to the callback: `enabled`
///   if it answers 2xx with exactly the challenge, else `webhook_callback_verification_failed`;
///   409 for a duplicate type + version + condition among enabled and pending ones; cost 1, or 0
///   when a user in the condition has authorized the app; 403 `subscription missing proper
///   authorization` when a type needs scopes the condition's users have not granted, see
///   `SubscriptionCatalog.scopeRequirements`; 400 `auth must use app access token to create
///   webhook subscription` with a user token), `DELETE ?id=` (204, 404).
///
/// Every `/helix` request needs `Authorization: Bearer <token>` (an app or a user access token)
/// and the configured `Client-Id` (else 401), takes a point from the token bucket (empty: 429;
/// one bucket for every token, where Twitch keeps one per user for user tokens) and is answered
/// with `Ratelimit-Limit`, `Ratelimit-Remaining` and `Ratelimit-Reset`.
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
///   `"authorized":true` grants the client every scope the EventSub catalog needs, `false`
///   removes the user's authorization (without revocations; see `disconnect`), absent keeps it.
/// - `GET /_stand-in/users/{id}/authorization` →
///   `{"scopes":[…],"activeAccessTokens":N,"activeRefreshTokens":N,"revokedTokens":N}`;
///   `POST` with `{"scopes":[…]}` grants those scopes as an approved consent would (no browser,
///   no tokens), notifies enabled `user.authorization.grant` subscriptions and answers the same
///   shape plus `"notifications":[…]`.
/// - `POST /_stand-in/users/{id}/disconnect`: the user clicks Disconnect on Twitch. The
///   authorization is removed, every token of the user stops working, each enabled or pending
///   subscription that needs the user's grant becomes `authorization_revoked` with a signed
///   `revocation` to its callback, and (if the user had authorized the client) every enabled
///   `user.authorization.revoke` subscription gets a signed notification (`client_id`, `user_id`,
///   `user_login`, `user_name`). Answers the authorization shape plus
///   `"revokedSubscriptions":[{"id","type","revocation_status"}]` and `"notifications":[…]`.
/// - `POST /_stand-in/users/{id}/invalidate-tokens`: a password change; every access and refresh
///   token of the user stops working, the authorization stays. Answers the authorization shape.
/// - `POST /_stand-in/users/{id}/expire-access-tokens`: the user's access tokens expire now;
///   refreshing still works. Answers the authorization shape.
/// - `POST /_stand-in/oauth/auto-approve` `{"login"|"user_id","decision":"approve"|"deny"}`: every
///   following `GET /oauth2/authorize` redirects at once as that user approving (or denying);
///   `{"decision":null}` or `DELETE` turns it off. An unknown well-formed login is added.
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
        if path == "/oauth2/authorize" {
            guard request.method == "GET" || request.method == "POST" else { return .oauthError(405, "method not allowed") }
            return await authorize(request)
        }
        if path == "/oauth2/revoke" {
            guard request.method == "POST" else { return .oauthError(405, "method not allowed") }
            return revokeToken(request)
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
        guard bearerOwner(request) != nil else { return .helixError(401, "Invalid OAuth token") }
        guard let clientID = request.header("client-id"), !clientID.isEmpty else {
            return .helixError(401, "Client ID is missing")
        }
        guard clientID == configuration.clientID else { return .helixError(401, "Client ID and OAuth token do not match") }
        return nil
    }

    /// The owner of the request's working bearer token, nil without one.
    func bearerOwner(_ request: StandInRequest) -> TokenOwner? {
        guard let authorization = request.header("authorization") else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return state.owner(ofToken: String(parts[1]))
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
