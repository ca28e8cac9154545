import Base64Encoding
import AccessTokens

/// Random ids for Engine.IO sessions, Socket.IO sockets and recovery `pid`s: 120 random bits,
/// base64url (20 characters, safe in query strings and JSON without escaping).
enum RandomID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(15)
        for _ in 0..<15 { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
        return Base64URL.encode(bytes)
    }
}
