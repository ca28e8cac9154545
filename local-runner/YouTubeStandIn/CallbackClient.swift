import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// What a callback answered.
struct CallbackAnswer: Sendable {
    /// HTTP status, nil when the request failed (connection refused, timeout).
    let status: Int?
    let body: [UInt8]
    let failure: String?

    var isSuccess: Bool { status.map { (200..<300).contains($0) } ?? false }
}

/// The hub's outbound HTTP: verification `GET`s and content `POST`s to subscriber callbacks, no
/// redirects followed (WebSub counts a redirect as a failure).
final class CallbackClient: Sendable {
    private let client: HTTPClient
    private let timeoutSeconds: Int64
    /// A challenge echo is 128 bytes; a callback answering megabytes is wrong anyway.
    private static let maximumResponseBytes = 64 << 10

    init(timeoutSeconds: Int64) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        // A callback that refuses the connection fails at once instead of being retried by the pool.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeoutSeconds = timeoutSeconds
    }

    func get(_ url: String) async -> CallbackAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        return await execute(request)
    }

    func post(_ url: String, headers: [(String, String)], body: [UInt8]) async -> CallbackAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return await execute(request)
    }

    private func execute(_ request: HTTPClientRequest) async -> CallbackAnswer {
        var request = request
        request.headers.add(name: "User-Agent", value: "youtube-stand-in (WebSub hub)")
        do {
            let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
            var buffer = try await response.body.collect(upTo: Self.maximumResponseBytes)
            return CallbackAnswer(status: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? [], failure: nil)
        } catch {
            return CallbackAnswer(status: nil, body: [], failure: "\(error)")
        }
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}
