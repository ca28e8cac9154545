public import AsyncHTTPClient
import Base64Encoding
public import BlockingIO
import JSONValue
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import URLEncoding

/// The relying party's side of one provider: discovery (cached for an hour), the provider's keys
/// (cached; an unknown `kid` refetches them, at most once per `keyRefetchFloorSeconds`, so forged
/// kids cannot make us hammer the provider), the authorization request and the code exchange.
public final class OpenIDClient: Sendable {
    public let provider: OpenIDProvider
    private let http: HTTPClient
    private let keyRefetchFloorSeconds: Double
    private let state = NIOLockedValueBox(CacheState())

    private struct CacheState {
        var metadata: ProviderMetadata?
        var metadataFetchedAt = 0.0
        var keys: [String: ProviderKey] = [:]
        var keysFetchedAt = -Double.infinity
    }

    static let metadataLifetimeSeconds = 3_600.0
    static let timeout = TimeAmount.seconds(5)

    public init(provider: OpenIDProvider, http: HTTPClient, keyRefetchFloorSeconds: Double = 30) {
        self.provider = provider
        self.http = http
        self.keyRefetchFloorSeconds = keyRefetchFloorSeconds
    }

    public func metadata(now: Double = wallClockSeconds()) async throws(OpenIDError) -> ProviderMetadata {
        let cached = state.withLockedValue { cache in
            now - cache.metadataFetchedAt < Self.metadataLifetimeSeconds ? cache.metadata : nil
        }
        if let cached { return cached }
        let issuer = provider.issuer.hasSuffix("/") ? String(provider.issuer.dropLast()) : provider.issuer
        let text = try await get(issuer + "/.well-known/openid-configuration", failure: "discovery_failed")
        let metadata = try ProviderMetadata(document: text, expectedIssuer: provider.issuer)
        state.withLockedValue {
            $0.metadata = metadata
            $0.metadataFetchedAt = now
        }
        return metadata
    }

    /// The provider's key for `kid` (refetching the key set when it is unknown, within the floor).
    /// A token without a `kid` may use the key set's only key (Core §10.1: a `kid` is required only
    /// when there are several).
    public func key(_ kid: String, now: Double = wallClockSeconds()) async throws(OpenIDError) -> ProviderKey? {
        if kid.isEmpty {
            if state.withLockedValue({ $0.keys.isEmpty }) { _ = try await key("\u{0}", now: now) }
            return state.withLockedValue { $0.keys.count == 1 ? $0.keys.first?.value : nil }
        }
        let (known, mayFetch) = state.withLockedValue { state -> (ProviderKey?, Bool) in
            if let key = state.keys[kid] { return (key, false) }
            guard now - state.keysFetchedAt >= keyRefetchFloorSeconds else { return (nil, false) }
            state.keysFetchedAt = now
            return (nil, true)
        }
        if let known { return known }
        guard mayFetch else { return nil }
        let text = try await get(try await metadata(now: now).jwksURI, failure: "keys_unavailable")
        let keys = try ProviderKeySet(json: text).keys
        state.withLockedValue { $0.keys = keys }
        return keys[kid]
    }

    /// The URL the browser is sent to: authorization code flow with PKCE S256, `state` and
    /// `nonce` (Core §3.1.2.1), response mode query.
    public func authorizationURL(redirectURI: String, state: String, nonce: String, codeVerifier: String,
                                 loginHint: String? = nil) async throws(OpenIDError) -> String {
        let endpoint = try await metadata().authorizationEndpoint
        var items = [("response_type", "code"), ("client_id", provider.clientID), ("redirect_uri", redirectURI),
                     ("scope", "openid email profile"), ("state", state), ("nonce", nonce),
                     ("code_challenge", PKCE.challenge(for: codeVerifier)), ("code_challenge_method", "S256")]
        if let loginHint { items.append(("login_hint", loginHint)) }
        if let hostedDomain = provider.hostedDomain { items.append(("hd", hostedDomain)) }
        return endpoint + (endpoint.contains("?") ? "&" : "?") + PercentEncoding.form(items)
    }

    /// Exchanges the code for tokens at the token endpoint (RFC 6749 §4.1.3, client_secret_basic
    /// unless the provider lists only client_secret_post) and returns the ID token.
    public func exchange(code: String, redirectURI: String, codeVerifier: String) async throws(OpenIDError) -> String {
        let metadata = try await metadata()
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", codeVerifier)]
        var request = HTTPClientRequest(url: metadata.tokenEndpoint)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "accept", value: "application/json")
        let methods = metadata.tokenEndpointAuthMethods
        if !methods.isEmpty && !methods.contains("client_secret_basic") && methods.contains("client_secret_post") {
            form += [("client_id", provider.clientID), ("client_secret", provider.clientSecret)]
        } else {
            // RFC 6749 §2.3.1: each part form-encoded before base64.
            let credentials = PercentEncoding.encode(provider.clientID) + ":" + PercentEncoding.encode(provider.clientSecret)
            request.headers.add(name: "authorization", value: "Basic " + Base64.encode(Array(credentials.utf8)))
        }
        request.body = .bytes(ByteBuffer(string: PercentEncoding.form(form)))
        let (status, text) = try await send(request, failure: "token_exchange_failed")
        let document = try? JSONParser.parse(text)
        guard status == 200 else {
            let code = document?["error"]?.stringValue ?? "http_\(status)"
            throw OpenIDError("token_exchange_failed", "the provider refused the code (\(code))")
        }
        guard let idToken = document?["id_token"]?.stringValue else {
            throw OpenIDError("token_exchange_failed", "the provider's token response has no id_token")
        }
        return idToken
    }

    private func get(_ url: String, failure: String) async throws(OpenIDError) -> String {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "accept", value: "application/json")
        let (status, text) = try await send(request, failure: failure)
        guard status == 200 else { throw OpenIDError(failure, "the provider answered \(status) for \(url)") }
        return text
    }

    private func send(_ request: HTTPClientRequest, failure: String) async throws(OpenIDError) -> (Int, String) {
        do {
            let response = try await http.execute(request, timeout: Self.timeout)
            var body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), body.readString(length: body.readableBytes) ?? "")
        } catch {
            throw OpenIDError(failure, "the provider could not be reached")
        }
    }
}
