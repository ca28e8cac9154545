import NIOHTTP1
import URLEncoding
public import AsyncHTTPClient
import JSONValue
public import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The Helix calls the product makes with the app access token: creator lookup, live status
/// reconciliation and EventSub subscription management.
///
/// Every request carries `Authorization: Bearer <app token>` and `Client-Id`. A 401 invalidates the
/// token and the request is sent once more with a fresh one (tokens expire or get revoked); a 503
/// is retried once (Twitch's guide asks for that). 429 is not waited out here: it is thrown as
/// `.rateLimited(resetAt:message:)` and the caller decides, since a request handler and a
/// background job want different things.
public final class HelixClient: Sendable {
    public let configuration: HelixConfiguration
    public let tokens: AppTokenProvider
    private let httpClient: HTTPClient
    private let rateLimit = NIOLockedValueBox<HelixRateLimit?>(nil)
    private let logger: Logger

    /// `httpClient` is not shut down by this type (the default, `.shared`, must never be).
    public init(configuration: HelixConfiguration, httpClient: HTTPClient = .shared, tokens: AppTokenProvider? = nil,
                logger: Logger = Logger(label: "helix")) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.tokens = tokens ?? AppTokenProvider(configuration: configuration, httpClient: httpClient)
        self.logger = logger
    }

    /// The `Ratelimit-*` headers of the most recent Helix response (nil before the first one).
    public var lastRateLimit: HelixRateLimit? { rateLimit.withLockedValue { $0 } }

    /// Helix answers with `data` arrays; lists have at most 100 entries per request.
    public static let maximumItemsPerRequest = 100

    enum Method: String {
        case get = "GET", post = "POST", delete = "DELETE"
    }

    /// Sends one Helix request and returns any 2xx answer; every other status becomes a `HelixError`.
    func send(_ method: Method, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil) async throws(HelixError) -> HTTPExchange {
        var url = configuration.apiBaseURL + path
        if !query.isEmpty { url += "?" + PercentEncoding.form(query) }
        var refreshedToken = false
        var retriedUnavailable = false
        while true {
            let token = try await tokens.token()
            var request = HTTPClientRequest(url: url)
            switch method {
            case .get: request.method = .GET
            case .post: request.method = .POST
            case .delete: request.method = .DELETE
            }
            request.headers.add(name: "Authorization", value: "Bearer " + token)
            request.headers.add(name: "Client-Id", value: configuration.clientID)
            request.headers.add(name: "Accept", value: "application/json")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: JSONWriter.string(body)))
            }
            let exchange = try await HTTPExchange.perform(request, client: httpClient, timeoutSeconds: configuration.requestTimeoutSeconds)
            record(exchange)
            switch exchange.status {
            case 200..<300:
                return exchange
            case 401 where !refreshedToken:
                refreshedToken = true
                await tokens.invalidate(ifCurrent: token)
                logger.info("helix answered 401, fetching a new app access token", metadata: ["path": "\(path)"])
            case 503 where !retriedUnavailable:
                retriedUnavailable = true
            case 401:
                throw .unauthorized(exchange.errorMessage)
            case 404:
                throw .notFound(exchange.errorMessage)
            case 409:
                throw .conflict(exchange.errorMessage)
            case 429:
                throw .rateLimited(resetAt: exchange.headers["ratelimit-reset"].flatMap { Int64($0) }, message: exchange.errorMessage)
            default:
                throw .requestFailed(status: exchange.status, message: exchange.errorMessage)
            }
        }
    }

    private func record(_ exchange: HTTPExchange) {
        guard let limit = exchange.headers["ratelimit-limit"].flatMap({ Int($0) }),
              let remaining = exchange.headers["ratelimit-remaining"].flatMap({ Int($0) }),
              let reset = exchange.headers["ratelimit-reset"].flatMap({ Int64($0) })
        else { return }
        rateLimit.withLockedValue { $0 = HelixRateLimit(limit: limit, remaining: remaining, resetAt: reset) }
    }

    /// The `data` array of a Helix answer.
    static func dataArray(_ json: JSONValue) throws(HelixError) -> [JSONValue] {
        guard let data = json["data"]?.arrayValue else { throw .invalidResponse("data array missing") }
        return data
    }

    /// `pagination.cursor`, nil when absent or empty (Twitch sends `{}` on the last page).
    static func cursor(_ json: JSONValue) -> String? {
        guard let cursor = json["pagination"]?["cursor"]?.stringValue, !cursor.isEmpty else { return nil }
        return cursor
    }
}
