import Base64Encoding
import NIOCore

/// Long-polling state of a session: packets waiting for the next GET, and the GET held open.
struct PollingTransport {
    var queue: [ByteBuffer] = []
    var queuedBytes = 0
    var pendingGet: PollResponder?
    var flushScheduled = false

    /// At most this many packets per polling response. python-engineio's client refuses a payload
    /// of more than 16 packets (`Payload.max_decode_packets`) and reconnects, so a catch-up replay
    /// sent in one response would loop forever; the rest waits for the next GET, which the client
    /// sends at once.
    static let maxPacketsPerPayload = 16

    /// Up to `limit` queued packets as one payload (joined by `\x1e`, plus `trailer` if given);
    /// removes them from the queue. A trailer (closing) takes everything.
    mutating func takePayload(trailer: String? = nil, limit: Int = PollingTransport.maxPacketsPerPayload) -> ByteBuffer {
        let count = trailer == nil ? min(limit, queue.count) : queue.count
        let taken = queue.prefix(count)
        let takenBytes = taken.reduce(0) { $0 + $1.readableBytes }
        var body = ByteBufferAllocator().buffer(capacity: takenBytes + count + 1)
        for (index, packet) in taken.enumerated() {
            if index > 0 { body.writeInteger(EngineIOPacket.separator) }
            body.writeImmutableBuffer(packet)
        }
        if let trailer {
            if count > 0 { body.writeInteger(EngineIOPacket.separator) }
            body.writeString(trailer)
        }
        if count == queue.count {
            queue.removeAll(keepingCapacity: false)
            queuedBytes = 0
        } else {
            queue.removeFirst(count)
            queuedBytes -= takenBytes
        }
        return body
    }
}

/// Engine.IO long-polling: GET answers with queued packets (or is held until there are some),
/// POST carries client packets separated by `\x1e`, `b<base64>` for binary ones.
extension Session {
    func enqueuePoll(_ packet: ByteBuffer) {
        polling.queue.append(packet)
        polling.queuedBytes += packet.readableBytes
        if polling.queuedBytes > core.configuration.maxBufferedBytes {
            dropSlowConsumer()
            return
        }
        if polling.pendingGet != nil && !polling.flushScheduled {
            // Answer after the current tick so packets sent together go in one payload.
            polling.flushScheduled = true
            eventLoop.execute { self.flushPoll() }
        }
    }

    private func flushPoll() {
        polling.flushScheduled = false
        guard !isClosed, let responder = polling.pendingGet, !polling.queue.isEmpty else { return }
        polling.pendingGet = nil
        responder.respond(body: polling.takePayload())
    }

    /// A GET on `sid`: answered at once when packets are waiting, otherwise held until some are.
    func pollGet(_ responder: PollResponder) {
        closeIfPongOverdue()
        guard !isClosed else {
            responder.respondError(.unknownSid)
            return
        }
        guard case .polling = transport else {
            responder.respondError(.badRequest)
            return
        }
        if polling.pendingGet != nil {
            // At most one pending GET per session (Engine.IO): a second one ends the session.
            responder.respondError(.badRequest)
            close(.protocolError("overlapping polling GET"))
            return
        }
        if probe.isProbed {
            // Upgrading: keep the old transport quiet so the client can finish the switch.
            responder.respond(text: "6")
            return
        }
        polling.pendingGet = responder
        if !polling.queue.isEmpty { flushPoll() }
    }

    /// A POST on `sid`: one or more packets separated by `\x1e`.
    func pollPost(_ body: [UInt8], _ responder: PollResponder) {
        guard !isClosed else {
            responder.respondError(.unknownSid)
            return
        }
        guard case .polling = transport else {
            responder.respondError(.badRequest)
            return
        }
        responder.respond(text: "ok")
        for packet in EngineIOPacket.splitPayload(body) {
            guard !isClosed else { return }
            if packet.first == UInt8(ascii: "b") {
                guard let bytes = Base64.decode(packet.dropFirst()) else {
                    close(.protocolError("invalid base64 binary packet"))
                    return
                }
                receiveBinaryMessage(ByteBuffer(bytes: bytes))
            } else {
                receive(packet)
            }
        }
    }

    /// The held GET's connection closed before it was answered.
    func pollAborted(_ responder: PollResponder) {
        guard let pendingGet = polling.pendingGet, pendingGet.channel === responder.channel else { return }
        polling.pendingGet = nil
        close(.transportClosed)
    }

    /// Closing a polling session: the held GET is dropped (the client reconnects) or answered
    /// with what is still queued (a `41` on token expiry) and then `1` (or `6` when the client
    /// asked to close, as the JS server answers).
    func closePolling(_ reason: CloseReason) {
        if let pendingGet = polling.pendingGet {
            polling.pendingGet = nil
            if reason.clientShouldReconnect {
                pendingGet.abort()
            } else {
                pendingGet.respond(body: polling.takePayload(trailer: reason == .clientRequested ? "6" : "1"))
            }
        }
        polling.queue.removeAll()
        polling.queuedBytes = 0
    }
}
