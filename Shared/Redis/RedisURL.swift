/// `redis://[[user]:password@]host[:port][/db]`, the form REDIS_URL takes.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int

    public init(host: String = "127.0.0.1", port: Int = 6379, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
    }

    public init(parsing text: String) throws {
        guard text.hasPrefix("redis://") else {
            throw RedisError(kind: .configuration, message: "REDIS_URL must start with redis:// (got \(text))")
        }
        var rest = Substring(text.dropFirst("redis://".count))
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                password = String(credentials[credentials.index(after: colon)...])
            } else if !credentials.isEmpty {
                password = String(credentials)
            }
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
        if let colon = rest.lastIndex(of: ":") {
            guard let value = Int(rest[rest.index(after: colon)...]), (1...65535).contains(value) else {
                throw RedisError(kind: .configuration, message: "REDIS_URL port is not valid (got \(text))")
            }
            port = value
            rest = rest[..<colon]
        }
        guard !rest.isEmpty else {
            throw RedisError(kind: .configuration, message: "REDIS_URL has no host (got \(text))")
        }
        self.init(host: rest == "localhost" ? "127.0.0.1" : String(rest), port: port,
                  password: password.flatMap { $0.isEmpty ? nil : $0 }, database: database)
    }

    /// The URL without its password, for logs.
    public var description: String { "redis://\(host):\(port)/\(database)" }
}
