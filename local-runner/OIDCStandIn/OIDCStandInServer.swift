import HTTPTypes
import Hummingbird
public import Logging
import NIOConcurrencyHelpers
import NIOCore
import URLEncoding

/// A local stand-in for the OpenID Connect providers the product signs in with (Google
/// Workspace, Microsoft Entra ID, any OP): the authorization code flow with PKCE as OpenID
/// Connect Core 1.0, Discovery 1.0, RFC 6749, RFC 7636 and RFC 9207 describe it, so a newcomer
/// signs in locally with one click and tests drive the real flow. Endpoints are under the
/// issuer (default `http://127.0.0.1:<port>`; an issuer with a path serves them under that path):
///
/// - `GET /.well-known/openid-configuration`: the provider metadata; `issuer` is exactly the
///   configured or bound issuer, every endpoint URL starts with it.
/// - `GET /jwks`: `{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid","n","e"}]}`, one 2048-bit
///   key generated at start, `kid` its RFC 7638 thumbprint.
/// - `GET /authorize?…` (or a form `POST` without `sub`): an unknown `client_id` or a missing or
///   disallowed `redirect_uri` is a 400 HTML page and never a redirect. Every other error
///   redirects to the `redirect_uri` with `error`, `error_description`, `state` and `iss`:
///   repeated parameter, missing `response_type`, `response_mode` other than `query`, `prompt`
///   `none` with other values, a bad `max_age`, no `code_challenge`, a method other than `S256`
///   (`plain` or none given) or a challenge not of 43–128 unreserved characters → `invalid_request`;
///   `response_type` other than `code` → `unsupported_response_type`; no `openid` in `scope` →
///   `invalid_scope`; `request` / `request_uri` → `request_not_supported` /
///   `request_uri_not_supported`; `prompt=none` → `login_required` (no sessions here). A good
///   request gets the sign-in page: one button per test user (name and email, escaped), each a
///   form posting every request parameter back plus `sub`, and Cancel; `login_hint` (a sub or an
///   email) highlights that user. No JavaScript.
/// - `POST /authorize` (form, with `sub`): the same checks again (hidden fields prove nothing);
///   an unknown `sub` is a 400 page; else 302 to `redirect_uri` with `code`, `state` and `iss`
///   (added with `&` to a query the URI already has). `deny` instead of `sub` → `access_denied`.
///   The code is 256 random bits, single-use, valid `codeLifetimeSeconds`, bound to the client,
///   redirect URI, user, nonce, challenge, scopes and sign-in time.
/// - `POST /token` (form only, else 400 `invalid_request`): the client authenticates by HTTP
///   Basic (RFC 6749 §2.3.1, form-encoded id and secret) or `client_id` + `client_secret` in the
///   form; both at once → 400 `invalid_request`; failure → 401 `invalid_client` with
///   `WWW-Authenticate: Basic realm="oidc-stand-in"`. `grant_type` other than
///   `authorization_code` → 400 `unsupported_grant_type`. A code that is unknown, expired, used,
///   another client's, or presented with a different `redirect_uri`, without `code_verifier` or
///   with one whose BASE64URL(SHA256) is not the challenge → 400 `invalid_grant`. The owning
///   client's first attempt uses the code up even when it fails; a second use also revokes the
///   access token the first one bought (RFC 6749 §4.1.2). Success: 200
///   `{"access_token","token_type":"Bearer","expires_in","scope","id_token"}`.
///   Errors everywhere: `{"error","error_description"}`. Token answers carry
///   `Cache-Control: no-store` and `Pragma: no-cache`.
/// - The ID token: RS256, header `{"alg","typ":"JWT","kid"}`; `iss`, `sub`, `aud` (the client id,
///   a string), `azp`, `iat`, `exp` (`iat` + `idTokenLifetimeSeconds`), `auth_time`, `nonce` (only
///   when the request had one), `at_hash`, then the user's claims released by the scopes (`email`
///   and `email_verified` with `email`, `name` with `profile`) and every claim no scope covers
///   (`hd`, `tid`, …).
/// - `GET`/`POST /userinfo` with `Authorization: Bearer <access token>`: the user's current
///   claims by the same scope rule, `sub` always. An unknown, expired or revoked token → 401
///   `WWW-Authenticate: Bearer realm="oidc-stand-in", error="invalid_token", …`; no token at all →
///   401 with the challenge but no error code (RFC 6750 §3.1).
/// - `GET`/`POST /logout?post_logout_redirect_uri=…&state=…&client_id=…&id_token_hint=…`: no
///   sessions to end; redirects to `post_logout_redirect_uri` (plus `state`) when the client
///   (from `client_id`, else the hint's `aud`, else any client) allows it as a redirect URI, a
///   400 page when not, else a "signed out" page.
///
/// Control endpoints (not part of OpenID Connect; for tests and people at the keyboard):
/// - `GET /_stand-in/users` → `{"users":[{"sub",claims…}]}`.
/// - `PUT /_stand-in/users/{sub}` with a JSON object of claims (`email` string required,
///   `email_verified` boolean optional, anything else such as `hd` or `tid` kept; protocol claims
///   such as `iss` or `exp` refused) creates or replaces that user → 200 with the user.
/// - `POST /_stand-in/next-id-token` `{"alg"?: "none"|"HS256"|"RS256"|"unknown-key", "claims"?: {…}}`:
///   the next successful token response's ID token is built with these deviations (claims set,
///   `null` removes one; `none`: unsigned, empty signature; `HS256`: HMAC keyed with the client
///   secret; `unknown-key`: RS256 under a key and `kid` that `/jwks` does not publish), then the
///   override is used up. `DELETE` drops a pending one.
/// - `GET /healthz` → `ok`.
///
/// Differences from a real provider, on purpose: no passwords, consent or sessions (every
/// authorization shows the chooser); only confidential clients with `client_secret_basic` or
/// `client_secret_post`; one signing key per process, so a restart changes the `kid`.
public final class OIDCStandInServer: Sendable {
    public let configuration: OIDCStandInConfiguration
    /// Users, codes, tokens and the pending ID token override; tests change users here directly.
    public let state: OIDCStandInState
    let signingKey: SigningKey
    /// Signs `unknown-key` ID tokens; never published, generated on first use.
    private let foreignKey = NIOLockedValueBox<SigningKey?>(nil)
    let logger: Logger
    private let boundIssuer = NIOLockedValueBox<String?>(nil)

    /// Largest request body read (forms and small JSON objects).
    static let maximumBodyBytes = 64 * 1024

    /// Generates the signing key (hence `throws`).
    public init(configuration: OIDCStandInConfiguration = OIDCStandInConfiguration(), logger: Logger = Logger(label: "oidc-stand-in")) throws {
        self.configuration = configuration
        self.state = OIDCStandInState(configuration: configuration)
        self.signingKey = try SigningKey()
        self.logger = logger
    }

    /// The issuer: the configured one, else `http://<host>:<bound port>` once `run` has bound
    /// (`127.0.0.1` for a wildcard host); nil before that.
    public var issuer: String? { configuration.issuer ?? boundIssuer.withLockedValue { $0 } }

    /// The `kid` of the published signing key.
    public var signingKeyID: String { signingKey.kid }

    /// Serves until SIGTERM/SIGINT or until the calling task is cancelled. `onRunning` gets the
    /// bound port (pass port 0 to let the kernel pick a free one); `issuer` is set by then.
    public func run(host: String = "127.0.0.1", port: Int, onRunning: (@Sendable (Int) -> Void)? = nil) async throws {
        let app = Application(
            responder: OIDCStandInResponder(server: self),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { [boundIssuer] channel in
                let boundPort = channel.localAddress?.port ?? port
                boundIssuer.withLockedValue { $0 = Self.defaultIssuer(host: host, port: boundPort) }
                onRunning?(boundPort)
            },
            logger: logger)
        try await app.runService()
    }

    static func defaultIssuer(host: String, port: Int) -> String {
        let name: String
        switch host {
        case "", "0.0.0.0", "::": name = "127.0.0.1"
        case let literal where literal.contains(":"): name = "[\(literal)]"
        default: name = host
        }
        return "http://\(name):\(port)"
    }

    /// The issuer used in answers (never empty once serving).
    var currentIssuer: String { issuer ?? "http://127.0.0.1" }

    /// The path part of an issuer URL (`""` for `http://127.0.0.1:8091`, `/tenant` for `…/tenant`).
    static func path(of issuer: String) -> String {
        let rest: Substring
        if issuer.hasPrefix("https://") {
            rest = issuer.dropFirst("https://".count)
        } else if issuer.hasPrefix("http://") {
            rest = issuer.dropFirst("http://".count)
        } else {
            return ""
        }
        guard let slash = rest.firstIndex(of: "/") else { return "" }
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }

    func minter() -> IDTokenMinter {
        IDTokenMinter(issuer: currentIssuer, lifetimeSeconds: configuration.idTokenLifetimeSeconds, signingKey: signingKey) { [foreignKey] in
            try foreignKey.withLockedValue { key in
                if let key { return key }
                let made = try SigningKey()
                key = made
                return made
            }
        }
    }

    /// Answers one request (routing without sockets).
    func handle(_ request: OIDCRequest) -> OIDCResponse {
        switch request.path {
        case "/healthz": return .text(200, "ok")
        case "/.well-known/openid-configuration": return discovery(request)
        case "/jwks": return jwks(request)
        case "/authorize": return authorize(request)
        case "/token": return token(request)
        case "/userinfo": return userInfo(request)
        case "/logout": return logout(request)
        case let path where path.hasPrefix("/_stand-in/"): return control(request)
        default: return .text(404, "no such endpoint")
        }
    }
}

/// Reads the request from Hummingbird and writes the stand-in's answer back.
struct OIDCStandInResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let server: OIDCStandInServer

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers where headers[field.name.canonicalName] == nil {
            headers[field.name.canonicalName] = field.value
        }
        // Endpoints live under the issuer's path; the control endpoints and /healthz also at the root.
        var path = request.uri.path
        let prefix = OIDCStandInServer.path(of: server.currentIssuer)
        if !prefix.isEmpty, path.hasPrefix(prefix + "/") { path.removeFirst(prefix.count) }
        let answer: OIDCResponse
        do {
            var buffer = try await request.body.collect(upTo: OIDCStandInServer.maximumBodyBytes)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            answer = server.handle(OIDCRequest(method: request.method.rawValue, path: path, query: QueryItems(request.uri.query),
                                               headers: headers, body: body))
        } catch {
            answer = .oauthError(413, "invalid_request", "the request body is larger than \(OIDCStandInServer.maximumBodyBytes) bytes")
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
