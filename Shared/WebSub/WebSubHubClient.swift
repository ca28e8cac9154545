public import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Sends subscription requests to a hub and reads its answer for the caller (the lease renewal
/// job) to record and schedule. A redirect (307/308, §5.1.2) is returned, not followed: the body
/// carries the subscription's secret, and Google's hub does not redirect, so one that does is
/// worth a human look rather than a resend to wherever it points.
public struct WebSubHubClient: Sendable {
    public let hubURL: String
    public let timeoutSeconds: Int64
    private let httpClient: HTTPClient

    /// A process-wide client that never follows redirects (never shut down).
    public static let defaultHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// `httpClient` is not shut down by this type; it must not follow redirects.
    public init(hubURL: String, httpClient: HTTPClient = WebSubHubClient.defaultHTTPClient, timeoutSeconds: Int64 = 10) {
        self.hubURL = hubURL
        self.httpClient = httpClient
        self.timeoutSeconds = timeoutSeconds
    }

    public func send(_ request: WebSubSubscriptionRequest) async throws(WebSubHubError) -> WebSubHubAnswer {
        do {
            try request.validate()
        } catch {
            throw .invalidRequest(error)
        }
        return try await post(request.formBody)
    }

    private func post(_ body: String) async throws(WebSubHubError) -> WebSubHubAnswer {
        var request = HTTPClientRequest(url: hubURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: WebSubSubscriptionRequest.contentType)
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(timeoutSeconds))
            var buffer = try await response.body.collect(upTo: 64 * 1024)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            return WebSubHubAnswer(status: Int(response.status.code), body: bytes, location: response.headers.first(name: "Location"))
        } catch {
            // The body carries the secret; the error names only the hub.
            throw .transport("POST \(hubURL): \(error)")
        }
    }
}

public enum WebSubHubError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidRequest(WebSubRequestError)
    /// The hub could not be reached or did not answer in time.
    case transport(String)

    public var description: String {
        switch self {
        case .invalidRequest(let error): return "invalid subscription request: \(error)"
        case .transport(let message): return "hub request failed: \(message)"
        }
    }
}
