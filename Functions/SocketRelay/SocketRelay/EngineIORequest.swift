import URLEncoding

/// The parts of an Engine.IO request URI the relay reads: `/socket.io/?EIO=4&transport=…&sid=…`.
struct EngineIORequest: Sendable {
    let path: String
    let query: [String: String]

    init(uri: String) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts.first ?? "")
        var query: [String: String] = [:]
        for item in QueryItems(parts.count == 2 ? String(parts[1]) : nil).items where query[item.name] == nil {
            query[item.name] = item.value
        }
        self.query = query
    }

    var isEngineIOPath: Bool { path == "/socket.io/" || path == "/socket.io" }
    var transport: String? { query["transport"] }
    var sid: String? { query["sid"].flatMap { $0.isEmpty ? nil : $0 } }

    /// The first check a handshake or request fails, as Engine.IO reports it (JS server order:
    /// transport first, then protocol version).
    var engineIOError: EngineIOError? {
        guard let transport, transport == "polling" || transport == "websocket" else { return .unknownTransport }
        guard query["EIO"] == "4" else { return .unsupportedProtocolVersion }
        return nil
    }
}
