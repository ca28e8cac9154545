import NIOCore
import NIOHTTP1

/// Lets any request of a keep-alive HTTP connection upgrade to a WebSocket, as Node's `upgrade`
/// event does. NIO's `HTTPServerUpgradeHandler` decides on the first request of a connection only
/// and then leaves the pipeline, so clients that reuse pooled connections (aiohttp: a polling GET,
/// then the upgrade on the same connection) got a 400 and a hung connection. The relay's HTTP
/// handler puts a fresh upgrade handler back in front of itself before it finishes each response
/// on a connection that stays open, so the next request is looked at again.
///
/// A refused upgrade cannot continue as HTTP (the request decoder stops parsing after a request
/// that carries `Upgrade`), so the HTTP handler answers it with `Connection: close` and closes.
final class KeepAliveUpgrades {
    private let upgraders: [any HTTPServerProtocolUpgrader]
    private let encoder: HTTPResponseEncoder
    /// The decoder and the other handlers that cannot take WebSocket bytes (removed on upgrade).
    private let httpHandlers: [any RemovableChannelHandler]
    private let completion: (ChannelHandlerContext) -> Void

    init(upgraders: [any HTTPServerProtocolUpgrader], encoder: HTTPResponseEncoder, httpHandlers: [any RemovableChannelHandler],
         completion: @escaping (ChannelHandlerContext) -> Void) {
        self.upgraders = upgraders
        self.encoder = encoder
        self.httpHandlers = httpHandlers
        self.completion = completion
    }

    func makeHandler() -> HTTPServerUpgradeHandler {
        HTTPServerUpgradeHandler(upgraders: upgraders, httpEncoder: encoder, extraHTTPHandlers: httpHandlers,
                                 upgradeCompletionHandler: completion)
    }

    /// Puts an upgrade handler in front of `handler` for the connection's next request.
    func rearm(before handler: any ChannelHandler, in pipeline: ChannelPipeline) {
        try? pipeline.syncOperations.addHandler(makeHandler(), position: .before(handler))
    }
}
