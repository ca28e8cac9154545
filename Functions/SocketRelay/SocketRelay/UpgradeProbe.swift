import Base64Encoding
import BlockingIO
import NIOCore

/// A WebSocket probing an upgrade of a polling session (Engine.IO: `2probe` → `3probe`, the held
/// GET answered `6`, then `5` switches the transport).
struct UpgradeProbe {
    /// How long the client may take from opening the probe socket to sending `5` (the JS
    /// server's `upgradeTimeout`).
    static let timeoutNanoseconds: UInt64 = 10_000_000_000

    private(set) var link: WebSocketLink?
    /// `2probe` seen: polling GETs are answered `6` until the switch.
    private(set) var isProbed = false
    private var deadline: UInt64 = 0

    var isActive: Bool { link != nil }

    func isProbing(_ candidate: WebSocketLink) -> Bool { link === candidate }

    mutating func begin(_ link: WebSocketLink, now: UInt64) {
        self.link = link
        deadline = now + Self.timeoutNanoseconds
    }

    mutating func markProbed() { isProbed = true }

    func timedOut(now: UInt64) -> Bool { link != nil && deadline != 0 && now >= deadline }

    /// Forgets the probe and returns its socket (the upgrade completed, or the socket went away).
    @discardableResult
    mutating func end() -> WebSocketLink? {
        let ended = link
        link = nil
        isProbed = false
        deadline = 0
        return ended
    }

    /// Drops the probe socket, closing it with `code`.
    mutating func abandon(code: UInt16) {
        end()?.close(code: code)
    }
}

/// Upgrade from polling to WebSocket.
extension Session {
    /// A WebSocket with this session's sid wants to take over from polling.
    func beginUpgrade(_ link: WebSocketLink) -> Bool {
        guard !isClosed, case .polling = transport, !probe.isActive else { return false }
        probe.begin(link, now: monotonicNanoseconds())
        return true
    }

    /// A text frame on the probe socket (not yet the session's transport).
    func receiveProbeText(_ bytes: ArraySlice<UInt8>, from link: WebSocketLink) {
        guard !isClosed, probe.isProbing(link) else {
            link.close(code: 1008)
            return
        }
        if bytes.elementsEqual("2probe".utf8) {
            probe.markProbed()
            registry.write(WebSocketFraming.text("3probe"), to: link)
            if let pendingGet = polling.pendingGet {
                polling.pendingGet = nil
                pendingGet.respond(text: "6")
            }
        } else if bytes.elementsEqual("5".utf8), probe.isProbed {
            probe.end()
            transport = .websocket(link)
            // What was queued for the next GET goes out on the WebSocket, in order.
            let queued = polling.queue
            polling.queue.removeAll()
            polling.queuedBytes = 0
            for packet in queued {
                let length = packet.readableBytes
                var frame = ByteBufferAllocator().buffer(capacity: length + 10)
                let isBinary = packet.readableBytesView.first == UInt8(ascii: "b")
                if isBinary, let bytes = Base64.decode(packet.readableBytesView.dropFirst()) {
                    WebSocketFraming.writeHeader(.binary, payloadLength: bytes.count, into: &frame)
                    frame.writeBytes(bytes)
                } else {
                    WebSocketFraming.writeHeader(.text, payloadLength: length, into: &frame)
                    frame.writeImmutableBuffer(packet)
                }
                registry.write(frame, to: link)
            }
        } else {
            probe.abandon(code: 1002)
        }
    }
}
