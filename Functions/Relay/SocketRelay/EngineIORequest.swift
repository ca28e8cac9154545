/// The parts of an Engine.IO request URI the relay reads: `/socket.io/?EIO=4&transport=…&sid=…`.
struct EngineIORequest: Sendable {
    let path: String
    let query: [String: String]

    init(uri: String) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts.first ?? "")
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = Self.percentDecode(keyValue[0])
                if query[key] == nil { query[key] = keyValue.count == 2 ? Self.percentDecode(keyValue[1]) : "" }
            }
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

    private static func percentDecode(_ text: Substring) -> String {
        guard text.contains("%") || text.contains("+") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
