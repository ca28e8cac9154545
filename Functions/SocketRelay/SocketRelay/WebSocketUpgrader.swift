import Base64Encoding
import Crypto
import NIOCore
import NIOHTTP1

/// The WebSocket handshake (RFC 6455 §4.2) for `HTTPServerUpgradeHandler`.
///
/// Why not `NIOWebSocketServerUpgrader`: it puts NIO's frame encoder (which cannot be removed)
/// and decoder into every upgraded pipeline, and the relay uses neither: it writes pre-encoded
/// frames and reads with `WebSocketFrameReader` inside its one handler, `WebSocketLink`. Per idle
/// connection that is about 1 KiB less (docs/architecture.md, "Socket relay").
///
/// A refused handshake (wrong version, no key, a target `accepts` declines) fails the future,
/// and the upgrade handler passes the request on as plain HTTP, which answers it 400.
struct WebSocketUpgrader: HTTPServerProtocolUpgrader, Sendable {
    enum Refusal: Error {
        case invalidHeaders
        case unsupportedTarget
    }

    /// RFC 6455 §1.3.
    static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    let supportedProtocol = "websocket"
    let requiredUpgradeHeaders: [String] = []
    /// Whether the relay takes this request's upgrade (checked before the 101 is sent).
    let accepts: @Sendable (HTTPRequestHead) -> Bool
    /// Sets up the upgraded pipeline; the HTTP handlers are gone by then.
    let upgraded: @Sendable (any Channel, HTTPRequestHead) throws -> Void

    func buildUpgradeResponse(channel: any Channel, upgradeRequest: HTTPRequestHead,
                              initialResponseHeaders: HTTPHeaders) -> EventLoopFuture<HTTPHeaders> {
        let keys = upgradeRequest.headers["Sec-WebSocket-Key"]
        let versions = upgradeRequest.headers["Sec-WebSocket-Version"]
        guard keys.count == 1, versions.count == 1, versions[0].trimmingSpaces == "13" else {
            return channel.eventLoop.makeFailedFuture(Refusal.invalidHeaders)
        }
        guard accepts(upgradeRequest) else { return channel.eventLoop.makeFailedFuture(Refusal.unsupportedTarget) }
        var headers = initialResponseHeaders
        headers.replaceOrAdd(name: "Upgrade", value: "websocket")
        headers.add(name: "Sec-WebSocket-Accept", value: Self.acceptValue(forKey: keys[0].trimmingSpaces))
        headers.replaceOrAdd(name: "Connection", value: "upgrade")
        return channel.eventLoop.makeSucceededFuture(headers)
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        let channel = context.channel
        return channel.eventLoop.makeCompletedFuture { try upgraded(channel, upgradeRequest) }
    }

    /// `Sec-WebSocket-Accept`: base64 of the SHA-1 of the key and the GUID.
    static func acceptValue(forKey key: String) -> String {
        Base64.encode(Array(Insecure.SHA1.hash(data: Array((key + acceptGUID).utf8))))
    }
}

private extension String {
    var trimmingSpaces: String {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view.removeFirst() }
        while view.last == " " || view.last == "\t" { view.removeLast() }
        return String(view)
    }
}
