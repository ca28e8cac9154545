import HTTPTypes
import Hummingbird
public import Logging
import MarkupEscaping
import NIOCore
import URLEncoding

/// A local stand-in for Rumble's Live Stream API v1.0 (beta): one endpoint, a per-user or
/// per-channel key in the URL, JSON with the account and its `livestreams[]` (`id`, `title`,
/// `created_on`, `is_live`, `watching_now`, …; field names as in Rumble's example and the
/// cocorum wrapper). Tests and `local-runner/run` hand out its URLs instead of rumble.com's:
/// `http://127.0.0.1:<port>/-livestream-api/get-data?key=…`.
///
/// - `GET /-livestream-api/get-data?key=…` → 200 with the document (`now` in Unix seconds,
///   `type` `user`|`channel`, `user_id`, `username`, `channel_id`, `channel_name`, `followers`,
///   `subscribers`, `livestreams`). An ended stream is no longer listed.
/// - Not documented by Rumble, so chosen here: a missing, unknown or reset key is 401
///   `{"error":{"code":401,"message":…}}`; over `requestsPerMinute` (off by default) 429 with
///   `Retry-After`; injected faults answer their status (5xx, 429) for backoff tests.
///
/// Control endpoints (not part of Rumble; JSON; errors `{"error":{"code","message"}}`):
/// - `POST /_stand-in/accounts` `{"username","channel_name"?,"followers"?}` → the account with its
///   `key` and `api_url` (named after this request's `Host`); `GET /_stand-in/accounts`.
/// - `POST /_stand-in/accounts/{id}/live` `{"title","watching_now"?,"category"?}`,
///   `POST /_stand-in/accounts/{id}/offline`, `POST /_stand-in/accounts/{id}/watching`
///   `{"watching_now"}`, `POST /_stand-in/accounts/{id}/reset-key`.
/// - `POST /_stand-in/faults` `{"status","count","retry_after"?}`;
///   `POST /_stand-in/rate-limit` `{"requests_per_minute": n|null}`.
/// - `GET /` an HTML overview; `GET /healthz` → `ok`.
public final class RumbleStandInServer: Sendable {
    public let configuration: RumbleStandInConfiguration
    public let state: RumbleStandInState
    let logger: Logger

    /// The Live Stream API's path at rumble.com.
    public static let dataPath = "/-livestream-api/get-data"
    static let maximumBodyBytes = 1 << 16

    public init(configuration: RumbleStandInConfiguration = RumbleStandInConfiguration(), logger: Logger = Logger(label: "rumble-stand-in")) {
        self.configuration = configuration
        self.state = RumbleStandInState(configuration: configuration)
        self.logger = logger
    }

    /// Serves until SIGTERM/SIGINT or until the calling task is cancelled. `onRunning` gets the
    /// bound port (pass port 0 to let the kernel pick a free one).
    public func run(host: String = "127.0.0.1", port: Int, onRunning: (@Sendable (Int) -> Void)? = nil) async throws {
        let app = Application(
            responder: RumbleStandInResponder(server: self),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in onRunning?(channel.localAddress?.port ?? port) },
            logger: logger)
        try await app.runService()
    }

    func handle(_ request: RumbleRequest) -> RumbleResponse {
        switch request.path {
        case "/healthz": return .text(200, "ok")
        case "/": return .html(statusPage(baseURL: baseURL(request)))
        case Self.dataPath:
            guard request.method == "GET" else { return .error(405, "method not allowed") }
            return data(request)
        default:
            if request.path.hasPrefix("/_stand-in/") { return control(request) }
            return .error(404, "not found")
        }
    }

    private func data(_ request: RumbleRequest) -> RumbleResponse {
        switch state.admit(key: request.query.first("key")) {
        case .fault(let status, let retryAfter):
            return .error(status, "injected failure", headers: retryAfter.map { [("Retry-After", String($0))] } ?? [])
        case .unauthorized:
            return .error(401, "missing, unknown or revoked API key")
        case .rateLimited(let retryAfter):
            return .error(429, "too many requests", headers: [("Retry-After", String(retryAfter))])
        case .admitted(let account):
            return .json(200, account.document(now: state.now, maximumResults: configuration.maximumResults))
        }
    }

    /// `http://<Host>`: the control API names the URLs a client should use.
    func baseURL(_ request: RumbleRequest) -> String { "http://" + (request.header("host") ?? "127.0.0.1") }

    private func statusPage(baseURL: String) -> String {
        var body = "<p class=\"muted\">Live Stream API <code>\(Markup.escape(Self.dataPath))?key=…</code> · control <code>/_stand-in</code></p><ul>"
        for account in state.accounts {
            let live = account.livestreams.first(where: \.isLive)
            let status = live.map { "live: \(Markup.escape($0.title)), \($0.watchingNow) watching" } ?? "offline"
            body += "<li>\(Markup.escape(account.channelName ?? account.username)) (\(account.type) <code>\(Markup.escape(account.id))</code>): "
                + "\(status); \(state.requestCount(id: account.id)) requests</li>"
        }
        body += "</ul>"
        return Markup.page(title: "Rumble stand-in", body: body)
    }
}

/// Reads the request from Hummingbird and writes the stand-in's answer back.
struct RumbleStandInResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let server: RumbleStandInServer

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers where headers[field.name.canonicalName] == nil {
            headers[field.name.canonicalName] = field.value
        }
        // HTTP/1 `Host` arrives as the `:authority` pseudo-header.
        if let authority = request.head.authority { headers["host"] = authority }
        let answer: RumbleResponse
        do {
            var buffer = try await request.body.collect(upTo: RumbleStandInServer.maximumBodyBytes)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            answer = server.handle(RumbleRequest(method: request.method.rawValue, path: request.uri.path, query: QueryItems(request.uri.query),
                                                 headers: headers, body: body))
        } catch {
            answer = .error(413, "request body is larger than \(RumbleStandInServer.maximumBodyBytes) bytes")
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
