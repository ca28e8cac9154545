import Settings
public import AsyncHTTPClient
import JSONValue
import NIOCore
import NIOHTTP1
import URLEncoding

/// Fetches a channel's live data with its key: `GET {base}/-livestream-api/get-data?key=…`.
/// Errors come back typed with a backoff hint; the poller owns the schedule.
public struct RumbleClient: Sendable {
    public let configuration: RumbleConfiguration
    private let httpClient: HTTPClient

    /// A channel's answer lists at most 50 recent followers and chat messages; far below this.
    static let maximumBodyBytes = 2 << 20

    /// `httpClient` is not shut down by this type.
    public init(configuration: RumbleConfiguration, httpClient: HTTPClient = .shared) {
        self.configuration = configuration
        self.httpClient = httpClient
    }

    public func fetch(_ key: RumbleLivestreamKey) async throws(RumbleError) -> RumbleLivestreamData {
        var request = HTTPClientRequest(url: configuration.baseURL + RumbleLivestreamKey.path + "?" + PercentEncoding.form([("key", key.secret)]))
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        let status: Int
        let retryAfter: Int?
        let body: [UInt8]
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(configuration.requestTimeoutSeconds))
            status = Int(response.status.code)
            retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0.trimmingWhitespace()) }.map { max(0, $0) }
            var buffer = try await response.body.collect(upTo: Self.maximumBodyBytes)
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw .transport(key.redact("GET \(RumbleLivestreamKey.path) for \(key): \(error)"))
        }
        switch status {
        case 200..<300:
            do {
                return try RumbleLivestreamData(json: try JSONParser.parse(body))
            } catch let error as RumbleError {
                throw error
            } catch {
                throw .invalidResponse("not JSON (\(body.count) bytes)")
            }
        case 401, 403, 404: throw .keyRejected(status: status)
        case 429: throw .rateLimited(retryAfterSeconds: retryAfter)
        case 500..<600: throw .unavailable(status: status, retryAfterSeconds: retryAfter)
        default: throw .requestFailed(status: status)
        }
    }
}
