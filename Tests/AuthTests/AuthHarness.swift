import Access
import AccessTokens
import API
import AsyncHTTPClient
import Auth
import BlockingIO
import Crypto
import CryptoExtras
import FunctionRuntime
import FunctionServer
import JSONValue
import Logging
import Members
import NIOCore
import NIOHTTP1
import OpenIDConnect
import Postgres
import Redis
import TestSupport
import Testing
import URLEncoding

/// The auth function in process against the test run's Postgres and Redis, an identity provider
/// over real HTTP (the project's stand-in, or a third-party one), and a REST function that
/// answers who the caller is (to see a session's token honoured, or refused, by the API).
/// `Browser` plays the user agent: it keeps cookies and follows the redirects by hand.
struct AuthHarness {
    static let issuer = "https://ccr.auth-tests.local"
    static let audience = "ccr-auth-tests"
    /// Loopback (the stand-in accepts any loopback redirect URI); nothing listens there: the
    /// browser hands the callback to the function in process.
    static let publicURL = "http://127.0.0.1:9"
    /// One sealing key for every harness, as every instance of a deployment shares one.
    static let keyEncryptionKey = SymmetricKey(size: .bits256)

    let auth: HTTPFunctionServer<AuthFunction>
    let api: HTTPFunctionServer<APIFunction>
    let pool: PostgresPool
    let redis: RedisClient
    let provider: OpenIDProvider
    let http: HTTPClient
    /// How the provider's sign-in page submits the chosen user (see `Browser.signInAtProvider`).
    let providerPostsWholeRequest: Bool

    /// One client for every harness, never shut down (a failing test must not leave one to crash in deinit).
    static let sharedHTTP = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    init(provider: OpenIDProvider, accessTokenSeconds: Int = 600, providerPostsWholeRequest: Bool = true) throws {
        self.providerPostsWholeRequest = providerPostsWholeRequest
        var logger = Logger(label: "auth-tests")
        logger.logLevel = .critical
        pool = PostgresPool(url: try TestServices.databaseURL(), size: 4, logger: logger)
        redis = RedisClient(url: try TestServices.redisURL(), size: 2, logger: logger)
        http = Self.sharedHTTP
        self.provider = provider
        let configuration = AuthConfiguration(
            publicURL: Self.publicURL, issuer: Self.issuer, audience: Self.audience, providers: [provider],
            accessTokenSeconds: accessTokenSeconds, keyEncryptionKey: Self.keyEncryptionKey, secureCookies: true)
        // The auth function's own keys, plus a test key for tokens of members who did not sign in
        // (like the development key of a local run).
        let keys = KeySources([DatabaseKeySource(pool: pool),
                               StaticKeySource(jwks: JSONWebKeySet(keys: [APIHarnessKeys.kid: APIHarnessKeys.key.publicKey]))])
        let verifier = AccessTokenVerifier(keys: keys, issuer: Self.issuer, audience: Self.audience, cacheSeconds: 0)
        let access = AccessCheck(pool: pool, cacheSeconds: 0, now: wallClockSeconds)
        auth = HTTPFunctionServer(function: AuthFunction(configuration: configuration, clients: [OpenIDClient(provider: provider, http: http)],
                                                         pool: pool, redis: redis, verifier: verifier, access: access), logger: logger)
        let whoami = APIRoute("GET", "/api/whoami", minimumRole: .viewer) { request in
            .json(["user": .string(request.claims.subject), "role": .string(request.claims.role.rawValue),
                   "company": .string(request.claims.companyID)])
        }
        let change = APIRoute("POST", "/api/whoami", minimumRole: .viewer) { _ in FunctionResponse(status: 204) }
        let invitations = InvitationsRoutes(database: TenantDatabase(pool: pool)).routes + MembersRoutes(database: TenantDatabase(pool: pool)).routes
        api = HTTPFunctionServer(function: APIFunction(routes: [whoami, change] + invitations, verifier: verifier, access: access,
                                                       cookies: SessionCookies(secure: true), rateLimiter: nil), logger: logger)
    }

    func shutdown() async {
        await pool.shutdown()
        await redis.shutdown()
    }

    /// A provider entry for an issuer at `baseURL` with the stand-in's default client.
    static func provider(id: String = "local", issuer: String, clientID: String = "ccr-local", clientSecret: String = "ccr-local-secret") -> OpenIDProvider {
        OpenIDProvider(id: id, displayName: "Local <Stand-in>", issuer: issuer, clientID: clientID, clientSecret: clientSecret)
    }

    /// A company with `email` as a member in `role`; returns (company, user id).
    static func company(_ name: String, member email: String, role: String = "owner") throws -> (String, String) {
        let company = try TestServices.makeCompany(name)
        return (company, try TestServices.addMember(company: company, email: email, role: role))
    }

    static func unique(_ prefix: String) -> String {
        prefix + "-" + String(UInt64.random(in: 0 ... .max), radix: 36)
    }
}

/// Tokens for members who did not sign in (a test key the harness's verifier also trusts).
enum APIHarnessKeys {
    static let kid = "auth-tests-key"
    static let key = try! AccessTokenSigner.generateKey()

    static func token(subject: String, company: String, role: Role) throws -> String {
        try AccessTokenSigner(kid: kid, privateKey: key, issuer: AuthHarness.issuer, audience: AuthHarness.audience)
            .token(subject: subject, companyID: company, role: role, now: wallClockSeconds())
    }
}

/// A response from the function in process or the provider over HTTP, in one shape.
struct Answer {
    let status: Int
    let headers: [(String, String)]
    let body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    var location: String? { header("location") }
    var setCookies: [String] { headers.filter { $0.0.lowercased() == "set-cookie" }.map(\.1) }
}

/// A user agent: a cookie jar (name → value; Max-Age=0 deletes) and requests to the function or
/// the provider.
final class Browser: @unchecked Sendable {
    let harness: AuthHarness
    var cookies: [String: String] = [:]

    init(_ harness: AuthHarness) {
        self.harness = harness
    }

    var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }

    func remember(_ answer: Answer) {
        for line in answer.setCookies {
            let pair = line.split(separator: ";")[0]
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals]), value = String(pair[pair.index(after: equals)...])
            if line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
    }

    /// A request to the auth function (or, for `/api/…`, the REST function), with the cookies.
    @discardableResult
    func call(_ method: String, _ target: String, headers: [(String, String)] = [], body: String? = nil, sendCookies: Bool = true) async -> Answer {
        let parts = target.split(separator: "?", maxSplits: 1)
        var all = headers + [("user-agent", "auth-tests"), ("x-forwarded-for", "198.51.100.4")]
        if sendCookies, !cookies.isEmpty { all.append(("cookie", cookieHeader)) }
        let request = FunctionRequest(method: method, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : nil, headers: all,
                                      body: Array((body ?? "").utf8))
        let response = String(parts[0]).hasPrefix("/api/") ? await harness.api.respond(to: request) : await harness.auth.respond(to: request)
        let answer = Answer(status: response.status, headers: response.headers.map { ($0.name, $0.value) }, body: response.body)
        remember(answer)
        return answer
    }

    /// A request to the provider over HTTP (no redirects followed).
    func provider(_ method: String, _ url: String, form: [(String, String)]? = nil, json: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        if let form {
            request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: PercentEncoding.form(form)))
        } else if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await harness.http.execute(request, timeout: .seconds(10))
        var buffer = try await response.body.collect(upTo: 1 << 22)
        return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                      body: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    /// Up to the provider's redirect back: starts the sign-in, picks `subject` on the provider's
    /// page (a form POST to the authorization URL, as both providers' pages do), and returns the
    /// callback target (`/auth/callback?code=…&state=…`).
    func signInAtProvider(subject: String, returnTo: String = "/", invitation: String? = nil) async throws -> String {
        let start = await call("GET", "/auth/login/\(harness.provider.id)?returnTo=\(PercentEncoding.encode(returnTo))"
                                   + (invitation.map { "&invitation=" + $0 } ?? ""))
        #expect(start.status == 302, "\(start.status) \(start.text)")
        let authorize = try #require(start.location)
        let query = QueryItems(String(authorize.split(separator: "?", maxSplits: 1)[1]))
        #expect(query.first("code_challenge_method") == "S256" && query.first("nonce") != nil && query.first("state") != nil)
        let page = try await provider("GET", authorize)
        #expect(page.status == 200, "\(page.text)")
        // The stand-in's page posts the whole request as a form (OIDC Core §3.1.2.1);
        // oidc-provider-mock's posts just `sub` back to the same URL.
        let form = harness.providerPostsWholeRequest ? query.items.map { ($0.name, $0.value) } + [("sub", subject)] : [("sub", subject)]
        let chosen = try await provider("POST", authorize, form: form)
        #expect(chosen.status == 302, "\(chosen.status) \(chosen.text)")
        let back = try #require(chosen.location)
        #expect(back.hasPrefix(AuthHarness.publicURL + "/auth/callback?"), "\(back)")
        return String(back.dropFirst(AuthHarness.publicURL.count))
    }

    /// The whole sign-in; returns the callback's answer.
    func signIn(subject: String, returnTo: String = "/", invitation: String? = nil) async throws -> Answer {
        await call("GET", try await signInAtProvider(subject: subject, returnTo: returnTo, invitation: invitation))
    }

    var csrf: String? { cookies[SessionCookies(secure: true).csrf] }
}
