import NIOCore

/// The WebSocket transport's callbacks (each on the session's loop, hopped to by `WebSocketHandler`).
extension Session {
    private func isTransport(_ link: WebSocketLink) -> Bool {
        if case .websocket(let current) = transport { return current === link }
        return false
    }

    func receiveWebSocketText(_ bytes: ArraySlice<UInt8>, from link: WebSocketLink) {
        if isTransport(link) {
            receive(bytes)
        } else {
            receiveProbeText(bytes, from: link)
        }
    }

    /// A binary frame: an Engine.IO binary message (a Socket.IO attachment).
    func receiveWebSocketBinary(_ bytes: ByteBuffer, from link: WebSocketLink) {
        if isTransport(link) {
            receiveBinaryMessage(bytes)
        } else {
            link.close(code: 1003)
        }
    }

    func webSocketClosed(_ link: WebSocketLink) {
        if isTransport(link) {
            close(.transportClosed)
        } else if probe.isProbing(link) {
            probe.end()
        }
    }

    func webSocketUnwritable(_ link: WebSocketLink) {
        if isTransport(link) { dropSlowConsumer() }
    }

    func webSocketFailed(_ link: WebSocketLink, reason: CloseReason) {
        if isTransport(link) {
            close(reason)
        } else {
            link.close(code: reason.webSocketCode)
        }
    }
}
