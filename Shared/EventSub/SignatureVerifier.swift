import Crypto

/// Verifies `Twitch-Eventsub-Message-Signature`: `sha256=` + lowercase hex of
/// HMAC-SHA256(secret, message id + timestamp + raw body), compared in constant time.
///
/// Holds the current secret and, during a rotation, the previous one: a delivery signed with
/// either is accepted, so rotating `TWITCH_EVENTSUB_SECRET` loses no deliveries.
public struct SignatureVerifier: Sendable {
    private let keys: [SymmetricKey]

    public init(secrets: [String]) {
        precondition(!secrets.isEmpty, "at least one EventSub secret is required")
        self.keys = secrets.map { SymmetricKey(data: Array($0.utf8)) }
    }

    public func isValid(messageID: String, timestamp: String, body: some Collection<UInt8>, signature: String) -> Bool {
        let prefix = "sha256="
        guard signature.hasPrefix(prefix), let provided = Self.hexBytes(signature.dropFirst(prefix.count)),
              provided.count == SHA256.byteCount
        else { return false }
        var matched = false
        for key in keys {
            var hmac = HMAC<SHA256>(key: key)
            hmac.update(data: Array(messageID.utf8))
            hmac.update(data: Array(timestamp.utf8))
            hmac.update(data: Array(body))
            let expected = hmac.finalize()
            // Every key is checked (no early exit) and each comparison is constant time.
            if Self.constantTimeEquals(Array(expected), provided) { matched = true }
        }
        return matched
    }

    /// The signature header value for a message, for the local Twitch stand-in, tests and benchmarks.
    public static func sign(secret: String, messageID: String, timestamp: String, body: some Collection<UInt8>) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
        hmac.update(data: Array(messageID.utf8))
        hmac.update(data: Array(timestamp.utf8))
        hmac.update(data: Array(body))
        return "sha256=" + hex(Array(hmac.finalize()))
    }

    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// Lowercase hex only, as Twitch sends it.
    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
