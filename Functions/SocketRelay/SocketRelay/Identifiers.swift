import RandomBytes
import Base64Encoding
import AccessTokens

/// Random ids for Engine.IO sessions, Socket.IO sockets and recovery `pid`s: 120 random bits,
/// base64url (20 characters, safe in query strings and JSON without escaping).
enum RandomID {
    static func make() -> String {
        Base64URL.encode(RandomBytes.make(15))
    }
}
