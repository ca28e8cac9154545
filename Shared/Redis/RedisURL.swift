/// `redis://[[user]:password@]host[:port][/db]`, the form REDIS_URL takes.
///
/// Credentials, as redis-cli reads them: `redis://user:password@…` authenticates as the ACL user
/// (`AUTH user password`, what managed Redis requires), `redis://:password@…` and the legacy
/// `redis://password@…` as the default user (`AUTH password`), `redis://default:password@…` as
/// `AUTH default password`. User and password are percent-decoded (`%40` for `@`, `%3A` for `:`).
///
/// `rediss://` (TLS) is refused: hiredis 0.14 has no TLS. Run the stunnel sidecar of
/// `infra/stunnel/` and point REDIS_URL at its plaintext loopback end instead.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The ACL user; nil authenticates with the password alone (the `default` user).
    public var username: String?
    public var password: String?
    public var database: Int

    public init(host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// What a `rediss://` URL is told: the one readable line a function prints at start.
    public static let tlsUnsupportedMessage = """
        REDIS_URL uses rediss:// (TLS), which this Redis client cannot speak (Debian's hiredis 0.14 has no TLS) \
        and will not downgrade to plaintext: run the stunnel sidecar (infra/stunnel/, see "Managed Redis" in \
        infra/README.md) and set REDIS_URL=redis://USER:PASSWORD@127.0.0.1:6380/0
        """

    public init(parsing text: String) throws {
        let lowered = text.lowercased()
        if lowered.hasPrefix("rediss://") {
            throw RedisError(kind: .configuration, message: Self.tlsUnsupportedMessage)
        }
        guard lowered.hasPrefix("redis://") else {
            throw RedisError(kind: .configuration, message: "REDIS_URL must start with redis:// (got \(Self.redacted(text)))")
        }
        var rest = Substring(text.dropFirst("redis://".count))
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                username = try Self.decodeCredential(credentials[..<colon], what: "user name")
                password = try Self.decodeCredential(credentials[credentials.index(after: colon)...], what: "password")
            } else {
                password = try Self.decodeCredential(credentials, what: "password")
            }
        }
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<query]
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let dbText = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !dbText.isEmpty {
                guard let value = Int(dbText), value >= 0 else {
                    throw RedisError(kind: .configuration, message: "REDIS_URL database must be a number (got \(dbText))")
                }
                database = value
            }
        }
        var port = 6379
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("]") {
            guard let value = Int(rest[rest.index(after: colon)...]), (1...65535).contains(value) else {
                throw RedisError(kind: .configuration, message: "REDIS_URL port is not valid (got \(Self.redacted(text)))")
            }
            port = value
            rest = rest[..<colon]
        }
        if rest.hasPrefix("["), rest.hasSuffix("]") { rest = rest.dropFirst().dropLast() }  // [::1]
        guard !rest.isEmpty else {
            throw RedisError(kind: .configuration, message: "REDIS_URL has no host (got \(Self.redacted(text)))")
        }
        self.init(host: rest == "localhost" ? "127.0.0.1" : String(rest), port: port,
                  username: username.flatMap { $0.isEmpty ? nil : $0 },
                  password: password.flatMap { $0.isEmpty ? nil : $0 }, database: database)
    }

    /// The URL without its password, for logs.
    public var description: String {
        let user = username.map { "\(Self.encodeCredential($0))@" } ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "redis://\(user)\(shownHost):\(port)/\(database)"
    }

    /// The AUTH command the credentials call for, nil without credentials.
    var authCommand: [String]? {
        if let username { return ["AUTH", username, password ?? ""] }
        if let password { return ["AUTH", password] }
        return nil
    }

    /// `text` with whatever sits between `://` and the last `@` replaced, so that a malformed
    /// URL can be quoted in an error without its password.
    public static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        let prefix = text[..<at]
        var start = prefix.startIndex
        while let colon = prefix[start...].firstIndex(of: ":") {
            let after = prefix.index(after: colon)
            if prefix[after...].hasPrefix("//") { return String(prefix[..<prefix.index(after, offsetBy: 2)]) + "***" + String(text[at...]) }
            start = after
        }
        return "***" + String(text[at...])
    }

    private static func decodeCredential(_ text: Substring, what: String) throws -> String {
        let utf8 = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%") {
                guard index + 2 < utf8.count, let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) else {
                    throw RedisError(kind: .configuration, message: "REDIS_URL \(what) has a broken %-escape (encode % as %25)")
                }
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw RedisError(kind: .configuration, message: "REDIS_URL \(what) is not UTF-8 once %-decoded")
        }
        return decoded
    }

    private static func encodeCredential(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
