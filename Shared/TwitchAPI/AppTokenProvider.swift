import NIOHTTP1
import URLEncoding
public import AsyncHTTPClient
import BlockingIO
import JSONValue
import NIOCore

/// The app access token (OAuth client credentials flow): fetched on first use, reused until shortly
/// before it expires, fetched again after `invalidate()` (Helix answered 401). Concurrent callers
/// share one fetch, so a burst of requests after expiry costs one token request, not one each.
public actor AppTokenProvider {
    public nonisolated let configuration: HelixConfiguration
    private let httpClient: HTTPClient
    private let refreshMarginSeconds: Double
    private var current: CachedToken?
    private var pending: Task<CachedToken, any Error>?
    /// How many tokens this provider has fetched (observability and tests).
    public private(set) var fetchCount = 0

    struct CachedToken: Sendable {
        let value: String
        /// Monotonic nanoseconds after which the token is no longer handed out.
        let reuseUntil: UInt64
    }

    /// `refreshMarginSeconds`: how long before `expires_in` runs out a new token is fetched. For
    /// tokens that live less than twice the margin (stand-in tests), half their lifetime is used.
    public init(configuration: HelixConfiguration, httpClient: HTTPClient = .shared, refreshMarginSeconds: Double = 60) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.refreshMarginSeconds = refreshMarginSeconds
    }

    /// A token valid for at least the refresh margin.
    public func token() async throws(HelixError) -> String {
        if let current, monotonicNanoseconds() < current.reuseUntil { return current.value }
        let task: Task<CachedToken, any Error>
        if let pending {
            task = pending
        } else {
            fetchCount += 1
            let configuration = configuration, httpClient = httpClient, margin = refreshMarginSeconds
            task = Task { try await Self.fetch(configuration: configuration, httpClient: httpClient, refreshMarginSeconds: margin) }
            pending = task
        }
        do {
            let token = try await task.value
            if pending == task {
                pending = nil
                current = token
            }
            return token.value
        } catch {
            if pending == task { pending = nil }
            throw error as? HelixError ?? .transport("\(error)")
        }
    }

    /// Forgets the cached token; the next `token()` fetches a new one.
    public func invalidate() {
        current = nil
    }

    /// Forgets the cached token only if it is still `token`: when several requests get 401 for the
    /// same token, the first one's refresh is not thrown away by the others.
    public func invalidate(ifCurrent token: String) {
        if current?.value == token { current = nil }
    }

    /// `GET {authBaseURL}/validate`, which Twitch asks apps to call at startup and hourly. Returns
    /// the seconds the token has left; a rejected token is invalidated and `.unauthorized` thrown.
    public func validate() async throws(HelixError) -> Int {
        let token = try await token()
        var request = HTTPClientRequest(url: configuration.authBaseURL + "/validate")
        request.method = .GET
        request.headers.add(name: "Authorization", value: "OAuth " + token)
        let exchange = try await HTTPExchange.perform(request, client: httpClient, timeoutSeconds: configuration.requestTimeoutSeconds)
        if exchange.status == 401 {
            invalidate(ifCurrent: token)
            throw .unauthorized(exchange.errorMessage)
        }
        guard exchange.isSuccess else { throw .requestFailed(status: exchange.status, message: exchange.errorMessage) }
        guard let seconds = try exchange.json()["expires_in"]?.int64Value else { throw .invalidResponse("validate: expires_in missing") }
        return Int(seconds)
    }

    private static func fetch(
        configuration: HelixConfiguration, httpClient: HTTPClient, refreshMarginSeconds: Double
    ) async throws(HelixError) -> CachedToken {
        var request = HTTPClientRequest(url: configuration.authBaseURL + "/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let form = PercentEncoding.form([
            ("client_id", configuration.clientID), ("client_secret", configuration.clientSecret), ("grant_type", "client_credentials"),
        ])
        request.body = .bytes(ByteBuffer(string: form))
        let started = monotonicNanoseconds()
        let exchange = try await HTTPExchange.perform(request, client: httpClient, timeoutSeconds: configuration.requestTimeoutSeconds)
        guard exchange.isSuccess else {
            throw .authenticationFailed(status: exchange.status, message: exchange.errorMessage)
        }
        let json = try exchange.json()
        guard let value = json["access_token"]?.stringValue, !value.isEmpty else { throw .invalidResponse("token: access_token missing") }
        guard let expiresIn = json["expires_in"]?.int64Value, expiresIn > 0 else { throw .invalidResponse("token: expires_in missing") }
        // Counted from when the request was sent, so the cached lifetime never exceeds the real one.
        let lifetime = Double(expiresIn)
        let reuseSeconds = lifetime - min(refreshMarginSeconds, lifetime / 2)
        return CachedToken(value: value, reuseUntil: started + UInt64(reuseSeconds * 1_000_000_000))
    }
}
