public import AsyncHTTPClient
import JSONValue
import NIOCore
import NIOHTTP1
import URLEncoding

/// The Data API v3 calls the product makes: `videos.list` (live state of videos a push named, and
/// of live channels) and `channels.list` (resolving a pasted handle or id). Never `search.list`
/// (100 units). Every call is counted in the `QuotaBudget` before it is sent; Google's
/// `quotaExceeded` marks the day as spent.
public final class YouTubeClient: Sendable {
    public let configuration: YouTubeConfiguration
    public let quota: QuotaBudget
    private let httpClient: HTTPClient

    /// Data API costs in quota units (developers.google.com/youtube/v3/determine_quota_cost).
    public enum Cost {
        public static let videosList = 1
        public static let channelsList = 1
    }

    /// `httpClient` is not shut down by this type.
    public init(configuration: YouTubeConfiguration, quota: QuotaBudget, httpClient: HTTPClient = .shared) {
        self.configuration = configuration
        self.quota = quota
        self.httpClient = httpClient
    }

    /// One counted GET of `/youtube/v3/{resource}`; returns the parsed body of a 2xx answer.
    func get(_ resource: String, query: [(String, String)], cost: Int) async throws(YouTubeAPIError) -> JSONValue {
        try await quota.reserve(cost)
        var request = HTTPClientRequest(url: configuration.baseURL + "/youtube/v3/" + resource + "?"
            + PercentEncoding.form(query + [("key", configuration.apiKey)]))
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        let status: Int
        let body: [UInt8]
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(configuration.requestTimeoutSeconds))
            status = Int(response.status.code)
            var buffer = try await response.body.collect(upTo: Self.maximumBodyBytes)
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            // Only the resource: the URL carries the API key.
            throw .transport("GET \(resource): \(error)")
        }
        guard (200..<300).contains(status) else {
            let error = GoogleErrorBody.error(status: status, body: body)
            if case .quotaExceeded = error { await quota.markSpent() }
            throw error
        }
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .invalidResponse("\(resource): \(error)")
        }
    }

    /// 50 videos with long descriptions are well under this.
    static let maximumBodyBytes = 4 << 20

    /// The `items` array of a list response (absent when nothing matched).
    static func items(_ json: JSONValue, resource: String) throws(YouTubeAPIError) -> [JSONValue] {
        guard json.objectValue != nil else { throw .invalidResponse("\(resource): not an object") }
        guard let items = json["items"] else { return [] }
        guard let array = items.arrayValue else { throw .invalidResponse("\(resource): items is not an array") }
        return array
    }
}
