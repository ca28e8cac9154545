import AsyncHTTPClient
import Base64Encoding
import Crypto
import CryptoExtras
import JSONValue
import Logging
import NIOCore
// Not listed in the target's dependencies yet (AsyncHTTPClient brings it): HTTPMethod, HTTPHeaders, status codes.
import NIOHTTP1
import OIDCStandIn
import Testing
import URLEncoding

/// A stand-in started on a kernel-chosen loopback port for one test, and an HTTP client that
/// never follows redirects (the tests read each `Location` themselves).
struct OIDCFixture {
    let server: OIDCStandInServer
    let port: Int
    let client: HTTPClient

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var state: OIDCStandInState { server.state }
    static let clientID = OIDCStandInConfiguration.defaultClientID
    static let clientSecret = OIDCStandInConfiguration.defaultClientSecret
    /// Loopback, so the default client accepts it; nothing listens there and nothing follows it.
    static let redirectURI = "http://127.0.0.1:9/auth/callback"

    func request(_ method: String, _ pathAndQuery: String, headers: [(String, String)] = [], body: String? = nil) async throws -> RawResponse {
        var request = HTTPClientRequest(url: pathAndQuery.hasPrefix("http") ? pathAndQuery : baseURL + pathAndQuery)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(10))
        var buffer = try await response.body.collect(upTo: 1 << 22)
        var fields: [String: [String]] = [:]
        for header in response.headers { fields[header.name.lowercased(), default: []].append(header.value) }
        return RawResponse(status: Int(response.status.code), headers: fields, body: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    func postForm(_ path: String, _ items: [(String, String)], headers: [(String, String)] = []) async throws -> RawResponse {
        try await request("POST", path, headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers, body: PercentEncoding.form(items))
    }

    func json(_ method: String, _ path: String, _ value: JSONValue) async throws -> RawResponse {
        try await request(method, path, headers: [("Content-Type", "application/json")], body: JSONWriter.string(value))
    }

    /// The parameters of a good authorization request, with `changes` applied (nil removes).
    func authorizationParameters(pkce: PKCE, nonce: String? = "n-0S6_WzA2Mj", state: String = "af0ifjsldkj",
                                 scope: String = "openid email profile", changes: [String: String?] = [:]) -> [(String, String)] {
        var parameters: [(String, String?)] = [
            ("response_type", "code"), ("client_id", Self.clientID), ("redirect_uri", Self.redirectURI), ("scope", scope),
            ("state", state), ("nonce", nonce), ("code_challenge", pkce.challenge), ("code_challenge_method", "S256"),
        ]
        for (name, value) in changes {
            if let index = parameters.firstIndex(where: { $0.0 == name }) { parameters[index].1 = value } else { parameters.append((name, value)) }
        }
        return parameters.compactMap { name, value in value.map { (name, $0) } }
    }

    /// `GET /authorize` with `parameters`.
    func authorize(_ parameters: [(String, String)]) async throws -> RawResponse {
        try await request("GET", "/authorize?" + PercentEncoding.form(parameters))
    }

    /// Chooses `sub` on the sign-in page: the POST the page's button sends. Returns the redirect's
    /// query parameters (the test fails unless it is a 302 to the redirect URI).
    func signIn(as sub: String, _ parameters: [(String, String)], redirectURI: String = OIDCFixture.redirectURI) async throws -> QueryItems {
        let response = try await postForm("/authorize", parameters + [("sub", sub)])
        try #require(response.status == 302, "sign-in answered \(response.status): \(response.text)")
        let location = try #require(response.header("location"))
        #expect(location.hasPrefix(redirectURI + (redirectURI.contains("?") ? "&" : "?")), "Location: \(location)")
        return response.locationQuery
    }

    /// A code for `sub` from a whole authorization request.
    func code(for sub: String = "alice", pkce: PKCE, changes: [String: String?] = [:]) async throws -> String {
        let query = try await signIn(as: sub, authorizationParameters(pkce: pkce, changes: changes))
        return try #require(query.first("code"))
    }

    enum ClientAuth { case basic(id: String, secret: String), post(id: String, secret: String), none }

    /// `POST /token` for `code`.
    func exchange(code: String, verifier: String?, auth: ClientAuth = .basic(id: OIDCFixture.clientID, secret: OIDCFixture.clientSecret),
                  redirectURI: String = OIDCFixture.redirectURI, extra: [(String, String)] = []) async throws -> RawResponse {
        var items: [(String, String)] = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI)]
        if let verifier { items.append(("code_verifier", verifier)) }
        var headers: [(String, String)] = []
        switch auth {
        case .basic(let id, let secret):
            let credentials = PercentEncoding.form([(id, secret)]).replacingFirstEquals()
            headers.append(("Authorization", "Basic " + Base64.encode(Array(credentials.utf8))))
        case .post(let id, let secret):
            items += [("client_id", id), ("client_secret", secret)]
        case .none:
            break
        }
        return try await postForm("/token", items + extra, headers: headers)
    }

    /// The published keys by `kid`.
    func jwks() async throws -> [String: _RSA.Signing.PublicKey] {
        let document = try await request("GET", "/jwks").json
        var keys: [String: _RSA.Signing.PublicKey] = [:]
        for key in try #require(document["keys"]?.arrayValue) {
            let n = try #require(key["n"]?.stringValue.flatMap(Base64URL.decode))
            let e = try #require(key["e"]?.stringValue.flatMap(Base64URL.decode))
            keys[try #require(key["kid"]?.stringValue)] = try _RSA.Signing.PublicKey(n: n, e: e)
        }
        return keys
    }
}

extension String {
    /// `id=secret` → `id:secret` (the Basic credentials are the form-encoded id and secret joined by a colon).
    func replacingFirstEquals() -> String {
        guard let equals = firstIndex(of: "=") else { return self }
        return self[..<equals] + ":" + self[index(after: equals)...]
    }
}

/// An RFC 7636 verifier (32 random octets, base64url: 43 characters) and its S256 challenge.
struct PKCE {
    let verifier: String
    let challenge: String

    init() {
        var generator = SystemRandomNumberGenerator()
        verifier = Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        challenge = Base64URL.encode(Array(SHA256.hash(data: Array(verifier.utf8))))
    }
}

struct RawResponse {
    let status: Int
    /// Lower-cased names, every value.
    let headers: [String: [String]]
    let body: [UInt8]

    func header(_ name: String) -> String? { headers[name]?.first }
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }

    /// The query of the `Location` header.
    var locationQuery: QueryItems {
        guard let location = header("location"), let question = location.firstIndex(of: "?") else { return QueryItems(nil) }
        return QueryItems(String(location[location.index(after: question)...]))
    }
}

/// A compact JWS split into its parts, header and claims parsed.
struct DecodedJWT {
    let header: JSONValue
    let claims: JSONValue
    let signingInput: String
    let signature: [UInt8]

    init(_ token: String) throws {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try #require(parts.count == 3, "not a compact JWS: \(token)")
        header = try JSONParser.parse(try #require(Base64URL.decode(parts[0])))
        claims = try JSONParser.parse(try #require(Base64URL.decode(parts[1])))
        signingInput = parts[0] + "." + parts[1]
        signature = try #require(Base64URL.decode(parts[2]))
    }

    /// Whether `key` made the RS256 signature.
    func isSigned(by key: _RSA.Signing.PublicKey) -> Bool {
        key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: Array(signingInput.utf8)),
                             padding: .insecurePKCS1v1_5)
    }
}

func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    // Cancelling a server task logs its closing channels at error level; only worse is news here.
    logger.logLevel = .critical
    return logger
}

/// Runs `body` against a fresh stand-in and stops it (and the client) afterwards.
func withStandIn(_ configuration: OIDCStandInConfiguration = OIDCStandInConfiguration(),
                 _ body: (OIDCFixture) async throws -> Void) async throws {
    let server = try OIDCStandInServer(configuration: configuration, logger: quietLogger("oidc-stand-in"))
    var clientConfiguration = HTTPClient.Configuration()
    clientConfiguration.redirectConfiguration = .disallow
    let client = HTTPClient(configuration: clientConfiguration)
    do {
        try await server.withRunning { port in try await body(OIDCFixture(server: server, port: port, client: client)) }
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
}
