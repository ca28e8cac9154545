import NIOHTTP1
import AsyncHTTPClient
import EventSub
import NIOCore

/// What a callback answered to one delivery.
struct DeliveryOutcome: Sendable {
    /// HTTP status, nil when the request failed (connection refused, timeout).
    let status: Int?
    let body: [UInt8]
    let failure: String?

    var isSuccess: Bool { status.map { (200..<300).contains($0) } ?? false }
}

/// Sends signed EventSub requests to callbacks the way Twitch does: POST, JSON body, the
/// `Twitch-Eventsub-*` headers, no redirects followed.
final class CallbackDeliverer: Sendable {
    private let client: HTTPClient
    private let timeoutSeconds: Int64
    /// Challenge answers are a short string; a callback that streams megabytes is wrong anyway.
    private static let maximumResponseBytes = 64 << 10

    init(timeoutSeconds: Int64) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        // A callback that refuses the connection fails at once (Twitch does not wait either),
        // instead of the pool retrying until the request deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeoutSeconds = timeoutSeconds
    }

    func send(_ delivery: SignedDelivery, to callback: String) async -> DeliveryOutcome {
        var request = HTTPClientRequest(url: callback)
        request.method = .POST
        for (name, value) in delivery.headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: "twitch-stand-in")
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        do {
            let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
            var buffer = try await response.body.collect(upTo: Self.maximumResponseBytes)
            return DeliveryOutcome(status: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? [], failure: nil)
        } catch {
            return DeliveryOutcome(status: nil, body: [], failure: "\(error)")
        }
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}
