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
    private let requests: [(HTTPClientRequest, Int)]
    private let cursor = NIOLockedValueBox(0)

    /// `count` notifications for `shape`, POSTed to `url`, signed with `secret`.
    init(count: Int, shape: TrafficShape, url: String, secret: String) {
        var random = SystemRandomNumberGenerator()
        let now = RFC3339.format(unixSeconds: wallClockSeconds())
        var requests: [(HTTPClientRequest, Int)] = []
        requests.reserveCapacity(count)
        for sequence in 0..<count {
            let broadcaster = shape.broadcaster(hotRoll: Double.random(in: 0..<1, using: &random),
                                                pick: Double.random(in: 0..<1, using: &random))
            let type = shape.mix.type(at: Double.random(in: 0..<1, using: &random))
            let request = Self.request(type: type, broadcaster: broadcaster.twitchUserID, sequence: sequence, now: now, url: url, secret: secret)
            requests.append((request, broadcaster.companies.count))
        }
        self.requests = requests
    }

    /// One signed notification of `type` for `broadcaster`, with a fresh message id.
    static func request(type: String, broadcaster: String, sequence: Int, now: String, url: String, secret: String) -> HTTPClientRequest {
        let template = NotificationTemplates.make(type: type, broadcaster: broadcaster, sequence: sequence, now: now)
        let delivery = SignedDelivery.notification(
            type: template.type, version: template.version, event: template.event, condition: template.condition,
            secret: secret, messageID: SignedDelivery.newMessageID(), timestamp: now)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in delivery.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        return request
    }

    var count: Int { requests.count }

    /// Notifications handed out so far.
    var used: Int { cursor.withLockedValue { min($0, requests.count) } }

    /// The next request and its expected rows; nil once all were handed out.
    func next() -> (HTTPClientRequest, Int)? {
        let index = cursor.withLockedValue { value -> Int in value += 1; return value - 1 }
        return index < requests.count ? requests[index] : nil
    }
}
