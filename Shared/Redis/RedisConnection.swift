import CHiredis
#if canImport(Glibc)
import Glibc
#endif

/// One blocking hiredis connection. Use it from one thread at a time (the client and the
/// subscriber confine each connection to a thread of their own).
public final class RedisConnection: @unchecked Sendable {
    private let context: UnsafeMutablePointer<redisContext>
    public let url: RedisURL

    /// Connects, authenticates and selects the database. `timeoutMilliseconds` bounds the connect
    /// and, when `readTimeout` is true, every later read.
    public init(url: RedisURL, timeoutMilliseconds: Int = 2_000, readTimeout: Bool = true) throws {
        let timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        guard let context = redisConnectWithTimeout(url.host, Int32(url.port), timeout) else {
            throw RedisError(kind: .connection, message: "cannot allocate a redis context")
        }
        if context.pointee.err != 0 {
            let message = Self.errorText(context)
            redisFree(context)
            throw RedisError(kind: .connection, message: "\(url): \(message)")
        }
        self.context = context
        self.url = url
        if readTimeout { _ = redisSetTimeout(context, timeout) } else { _ = redisSetTimeout(context, timeval(tv_sec: 0, tv_usec: 0)) }
        _ = redisEnableKeepAlive(context)
        try authenticate()
        if url.database != 0 {
            try expectOK(command(["SELECT", String(url.database)]))
        }
    }

    deinit { redisFree(context) }

    /// False once the socket broke; callers then reconnect.
    public var isHealthy: Bool { context.pointee.err == 0 }

    /// Sends one command and waits for its reply. An error reply is returned as `.error`, not thrown;
    /// only connection failures throw.
    @discardableResult
    public func command(_ arguments: [String]) throws -> RedisReply {
        try append(arguments)
        return try readReply()
    }

    /// Sends many commands in one write and reads their replies in order (one round trip).
    public func pipeline(_ commands: [[String]]) throws -> [RedisReply] {
        for arguments in commands { try append(arguments) }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands { replies.append(try readReply()) }
        return replies
    }

    /// Queues a command in the output buffer without waiting (flushed by the next read).
    public func append(_ arguments: [String]) throws {
        let status: Int32 = withArgv(arguments) { argc, argv, lengths in
            redisAppendCommandArgv(context, argc, argv, lengths)
        }
        guard status == REDIS_OK else { throw connectionError() }
    }

    /// Waits for the next reply (also the next pushed message of a subscribed connection).
    public func readReply() throws -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw connectionError() }
        defer { freeReplyObject(raw) }
        return Self.decode(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Shuts the socket down from another thread so that a blocked read returns (used to stop a subscriber).
    public func interrupt() {
        _ = shutdown(context.pointee.fd, Int32(SHUT_RDWR))
    }

    private func connectionError() -> RedisError {
        RedisError(kind: .connection, message: "\(url): \(Self.errorText(context))")
    }

    /// AUTH with the URL's credentials: `AUTH user password` for an ACL user, `AUTH password` for
    /// the default user. A refusal names the user and the server's reason, never the password.
    private func authenticate() throws {
        guard let arguments = url.authCommand else { return }
        var reply = try command(arguments)
        // A server without ACLs (Redis < 6) knows only `AUTH password`; for the default user
        // that is the same thing, so `redis://default:password@…` works there too.
        if case .error(let message) = reply, url.username == "default", message.contains("wrong number of arguments") {
            reply = try command(["AUTH", url.password ?? ""])
        }
        if case .error(let message) = reply {
            let user = url.username.map { "user \($0)" } ?? "the default user (no user name in the URL)"
            throw RedisError(kind: .authentication, message: "\(url): authentication as \(user) refused: \(message)")
        }
    }

    private func expectOK(_ reply: RedisReply) throws {
        if case .error(let message) = reply { throw RedisError(kind: .reply, message: message) }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            let text = String(decoding: bytes, as: UTF8.self)
            return text.isEmpty ? "connection error \(context.pointee.err)" : text
        }
    }

    private static func decode(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(value.str, value.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(value.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                if let element = value.element[index] { elements.append(decode(element)) } else { elements.append(.null) }
            }
            return .array(elements)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }
}

/// Builds hiredis' argv/argvlen arrays for binary-safe arguments (copies freed afterwards).
private func withArgv<R>(
    _ arguments: [String],
    _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
) -> R {
    let count = arguments.count
    let argv = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: max(count, 1))
    let lengths = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
    var copies: [UnsafeMutableRawPointer] = []
    copies.reserveCapacity(count)
    defer {
        copies.forEach { $0.deallocate() }
        argv.deallocate()
        lengths.deallocate()
    }
    for (index, argument) in arguments.enumerated() {
        var text = argument
        let copy = text.withUTF8 { utf8 -> UnsafeMutableRawPointer in
            let raw = UnsafeMutableRawPointer.allocate(byteCount: max(utf8.count, 1), alignment: 1)
            if let base = utf8.baseAddress { raw.copyMemory(from: base, byteCount: utf8.count) }
            lengths[index] = utf8.count
            return raw
        }
        copies.append(copy)
        argv[index] = UnsafePointer(copy.assumingMemoryBound(to: CChar.self))
    }
    return body(Int32(count), argv, lengths)
}
