import NIOHTTP1
import AsyncHTTPClient
import BlockingIO
import EventSub
import NIOConcurrencyHelpers
import NIOCore

/// A phase's notifications, built and signed before the phase starts so that the load
/// generator's CPU during the timed part is only HTTP. Each is handed out once (every message id
/// is new, so each accepted one must store one row per tracking company).
final class PresignedNotifications: Sendable {
    /// Each notification signed: its message id, headers, body and expected rows (tracking companies).
    private let deliveries: [(messageID: String, delivery: SignedDelivery, weight: Int)]
    private let url: String
    private let cursor = NIOLockedValueBox(0)

    /// `count` notifications for `shape`, POSTed to `url`, signed with `secret`.
    init(count: Int, shape: TrafficShape, url: String, secret: String) {
        var random = SystemRandomNumberGenerator()
        let now = RFC3339.format(unixSeconds: wallClockSeconds())
        var deliveries: [(messageID: String, delivery: SignedDelivery, weight: Int)] = []
        deliveries.reserveCapacity(count)
        for sequence in 0..<count {
            let broadcaster = shape.broadcaster(hotRoll: Double.random(in: 0..<1, using: &random),
                                                pick: Double.random(in: 0..<1, using: &random))
            let type = shape.mix.type(at: Double.random(in: 0..<1, using: &random))
            let messageID = SignedDelivery.newMessageID()
            let delivery = Self.delivery(type: type, broadcaster: broadcaster.twitchUserID, sequence: sequence, now: now, secret: secret,
                                         messageID: messageID)
            deliveries.append((messageID, delivery, broadcaster.companies.count))
        }
        self.deliveries = deliveries
        self.url = url
    }

    /// One signed notification of `type` for `broadcaster`, with a fresh message id.
    static func request(type: String, broadcaster: String, sequence: Int, now: String, url: String, secret: String) -> HTTPClientRequest {
        request(delivery(type: type, broadcaster: broadcaster, sequence: sequence, now: now, secret: secret,
                         messageID: SignedDelivery.newMessageID()), url: url)
    }

    private static func delivery(type: String, broadcaster: String, sequence: Int, now: String, secret: String, messageID: String) -> SignedDelivery {
        let template = NotificationTemplates.make(type: type, broadcaster: broadcaster, sequence: sequence, now: now)
        return SignedDelivery.notification(
            type: template.type, version: template.version, event: template.event, condition: template.condition,
            secret: secret, messageID: messageID, timestamp: now)
    }

    private static func request(_ delivery: SignedDelivery, url: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in delivery.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        return request
    }

    var count: Int { deliveries.count }

    /// Notifications handed out so far.
    var used: Int { cursor.withLockedValue { min($0, deliveries.count) } }

    /// Expected rows per message id (the exactly-once check).
    var weights: [String: Int] {
        Dictionary(deliveries.map { ($0.messageID, $0.weight) }, uniquingKeysWith: { first, _ in first })
    }

    /// The next request and its expected rows; nil once all were handed out.
    func next() -> (HTTPClientRequest, Int)? {
        let index = cursor.withLockedValue { value -> Int in value += 1; return value - 1 }
        guard index < deliveries.count else { return nil }
        return (Self.request(deliveries[index].delivery, url: url), deliveries[index].weight)
    }

    /// Every notification as a raw HTTP/1.1 request to `host` `path`, in order (wrk replays them).
    func rawRequests(host: String, path: String) -> [[UInt8]] {
        deliveries.indices.map { rawRequest($0, host: host, path: path)!.bytes }
    }

    /// Notification `index` as a raw HTTP/1.1 request, and its expected rows; nil past the end.
    func rawRequest(_ index: Int, host: String, path: String) -> (bytes: [UInt8], weight: Int)? {
        guard deliveries.indices.contains(index) else { return nil }
        let item = deliveries[index]
        var head = "POST \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Length: \(item.delivery.body.count)\r\n"
        for (name, value) in item.delivery.headers where name.lowercased() != "content-length" && name.lowercased() != "host" {
            head += "\(name): \(value)\r\n"
        }
        head += "\r\n"
        return (Array(head.utf8) + item.delivery.body, item.weight)
    }
}
