import BlockingIO
import Files
import LocalRunner
import Logging
import Processes
import Redis
import Settings
import TestSupport
import Testing

/// ACL users from the URL, as managed Redis requires: `redis://user:password@…` sends
/// `AUTH user password`, against a redis-server of the test's own (the shared one is left alone).
@Suite struct RedisACLTests {
    static let adminPassword = "admin-\(TestServices.uniqueTwitchUserID())"
    /// Characters that must be percent-encoded in a URL, to check the decoding end to end.
    static let appPassword = "p@ss:w/rd%\(TestServices.uniqueTwitchUserID())"
    static let encodedAppPassword = "p%40ss%3Aw%2Frd%25" + String(appPassword.dropFirst("p@ss:w/rd%".count))

    /// A server with a password for the default user and an ACL user `ccr-app` that may only use
    /// keys under `ccr:` and the channels `ccr:channel` and `ccr:room:*` (so a command that works
    /// proves which user it ran as; PSUBSCRIBE needs its pattern literally among the allowed).
    static func startServer() async throws -> ScratchRedisServer {
        try await ScratchRedisServer.start(label: "acl") { port in
            """
            port \(port)
            requirepass \(adminPassword)
            user ccr-app on >\(appPassword) ~ccr:* &ccr:channel &ccr:room:* +@all
            """
        }
    }

    @Test func urlCarriesUserAndPercentDecodedPassword() throws {
        #expect(try RedisURL(parsing: "redis://ccr-app:s3cret@10.0.0.5:6380/2")
            == RedisURL(host: "10.0.0.5", port: 6380, username: "ccr-app", password: "s3cret", database: 2))
        #expect(try RedisURL(parsing: "redis://:s3cret@h") == RedisURL(host: "h", password: "s3cret"))
        #expect(try RedisURL(parsing: "redis://default:s3cret@h") == RedisURL(host: "h", username: "default", password: "s3cret"))
        #expect(try RedisURL(parsing: "redis://s3cret@h") == RedisURL(host: "h", password: "s3cret"), "redis-cli reads a lone credential as the password")
        #expect(try RedisURL(parsing: "redis://ops%40agency:\(Self.encodedAppPassword)@h:1/0")
            == RedisURL(host: "h", port: 1, username: "ops@agency", password: Self.appPassword))
        #expect(try RedisURL(parsing: "redis://u:p@[::1]:6390") == RedisURL(host: "::1", port: 6390, username: "u", password: "p"))
        // The user shows in logs, the password never.
        let url = try RedisURL(parsing: "redis://ccr-app:s3cret@h:6380/1")
        #expect(url.description == "redis://ccr-app@h:6380/1")
        for bad in ["redis://ccr-app:s3cret@h:99999", "redis://ccr-app:s3cret%zz@h", "redis://ccr-app:s3cret@", "http://ccr-app:s3cret@h"] {
            do {
                _ = try RedisURL(parsing: bad)
                Issue.record("\(bad) was accepted")
            } catch let error as RedisError {
                #expect(error.kind == .configuration)
                #expect(!"\(error)".contains("s3cret"), "the error shows the password: \(error)")
            }
        }
    }

    @Test func aclUserAuthenticatesWithUserAndPassword() async throws {
        let server = try await Self.startServer()
        do {
            let client = RedisClient(url: try RedisURL(parsing: "redis://ccr-app:\(Self.encodedAppPassword)@127.0.0.1:\(server.port)/3"))
            #expect(try await client.send(["ACL", "WHOAMI"]) == .bulk(Array("ccr-app".utf8)))
            #expect(try await client.send(["SET", "ccr:acl", "1"]) == .status("OK"))
            // Outside its keys: refused, so the commands above ran as ccr-app, not as the default user.
            guard case .error(let refusal) = try await client.send(["SET", "other:acl", "1"]) else {
                Issue.record("ccr-app could write outside ccr:*"); await client.shutdown(); throw RedisTestFailure("ACL not applied")
            }
            #expect(refusal.hasPrefix("NOPERM"))
            #expect(try await client.send(["CLIENT", "INFO"]).string?.contains("db=3") == true, "the URL's database was not selected")
            await client.shutdown()

            for (text, user) in [("redis://:\(Self.adminPassword)@127.0.0.1:\(server.port)", "default"),
                                 ("redis://default:\(Self.adminPassword)@127.0.0.1:\(server.port)", "default")] {
                let connection = try RedisConnection(url: try RedisURL(parsing: text))
                #expect(try connection.command(["ACL", "WHOAMI"]) == .bulk(Array(user.utf8)), "\(text)")
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func wrongPasswordIsRefusedWithAClearErrorWithoutThePassword() async throws {
        let server = try await Self.startServer()
        let wrong = "wrong-\(TestServices.uniqueTwitchUserID())"
        do {
            for (text, user) in [("redis://ccr-app:\(wrong)@127.0.0.1:\(server.port)", "user ccr-app"),
                                 ("redis://:\(wrong)@127.0.0.1:\(server.port)", "the default user")] {
                do {
                    _ = try RedisConnection(url: try RedisURL(parsing: text))
                    Issue.record("\(user): a wrong password was accepted")
                } catch let error as RedisError {
                    let shown = "\(error)"
                    print("refused as expected: \(shown)")
                    #expect(error.kind == .authentication)
                    #expect(shown.contains(user) && shown.contains("WRONGPASS"), "unclear: \(shown)")
                    #expect(shown.contains("127.0.0.1:\(server.port)"))
                    #expect(!shown.contains(wrong), "the error shows the password: \(shown)")
                    #expect(!shown.contains("\n"))
                }
            }
            // Through the pool too: the error reaches the caller (and the breaker), not a hang.
            let client = RedisClient(url: try RedisURL(parsing: "redis://ccr-app:\(wrong)@127.0.0.1:\(server.port)"))
            do {
                _ = try await client.send(["PING"])
                Issue.record("the client authenticated with a wrong password")
            } catch let error as RedisError {
                #expect(error.kind == .authentication)
                #expect(!"\(error)".contains(wrong))
            }
            await client.shutdown()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func subscriberAuthenticatesAsTheACLUser() async throws {
        let server = try await Self.startServer()
        do {
            let url = try RedisURL(parsing: "redis://ccr-app:\(Self.encodedAppPassword)@127.0.0.1:\(server.port)")
            let subscriber = RedisSubscriber(url: url, channels: ["ccr:channel"], patterns: ["ccr:room:*"])
            subscriber.start()
            let admin = RedisClient(url: try RedisURL(parsing: "redis://default:\(Self.adminPassword)@127.0.0.1:\(server.port)"))
            let received = try await withDeadline(seconds: 10) {
                var iterator = subscriber.events.makeAsyncIterator()
                while let event = await iterator.next() {
                    if case .subscribed = event { break }
                    if case .disconnected(let why) = event { throw RedisTestFailure("subscriber could not subscribe: \(why)") }
                }
                #expect(try await admin.publish(channel: "ccr:room:1", message: "hello") == 1)
                while let event = await iterator.next() {
                    if case .message(let message) = event { return message }
                }
                throw RedisTestFailure("the subscription ended")
            }
            #expect(received.text == "hello")
            #expect(received.pattern == "ccr:room:*")
            await subscriber.stop()

            // With a wrong password it reports the refusal and never subscribes.
            let wrong = "wrong-\(TestServices.uniqueTwitchUserID())"
            let refused = RedisSubscriber(url: try RedisURL(parsing: "redis://ccr-app:\(wrong)@127.0.0.1:\(server.port)"), patterns: ["ccr:room:*"])
            refused.start()
            let reason = try await withDeadline(seconds: 10) { () -> String in
                for await event in refused.events {
                    if case .disconnected(let why) = event { return why }
                    if case .subscribed = event { throw RedisTestFailure("subscribed with a wrong password") }
                }
                throw RedisTestFailure("no event")
            }
            #expect(reason.contains("WRONGPASS") && reason.contains("ccr-app") && !reason.contains(wrong), "\(reason)")
            await refused.stop()

            // A pattern the ACL user may not subscribe to: reported (NOPERM), not a silent wait.
            let forbidden = RedisSubscriber(url: url, patterns: ["other:*"])
            forbidden.start()
            let refusal = try await withDeadline(seconds: 10) { () -> String in
                for await event in forbidden.events {
                    if case .disconnected(let why) = event { return why }
                    if case .subscribed = event { throw RedisTestFailure("subscribed to a pattern the ACL forbids") }
                }
                throw RedisTestFailure("no event")
            }
            #expect(refusal.contains("NOPERM"), "\(refusal)")
            await forbidden.stop()
            await admin.shutdown()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// The README's line, as written, against the Redis `local-runner/run` starts (EmbeddedRedis
    /// builds REDIS_URL): redis-cli 7.0 sends `AUTH "" password` for `redis://:password@…` and is
    /// refused with NOAUTH, so the runner's URL names the `default` user.
    @Test func readmeRedisCLILineSeesPublishedMessages() async throws {
        let readme = try #require(FileSystem.readText(SharedResearch.repositoryRoot() + "/README.md"))
        let line = try #require(readme.split(separator: "\n").first { $0.contains("redis-cli -u \"$REDIS_URL\"") }, "README has no redis-cli line")
        let start = try #require(line.indices.first { line[$0...].hasPrefix("redis-cli") })
        let command = String(line[start...])
        #expect(command == "redis-cli -u \"$REDIS_URL\" psubscribe 'room:*'", "the README line changed: \(command)")
        guard try Prerequisite.available(["/usr/bin/redis-cli", "/usr/local/bin/redis-cli"].contains(where: FileSystem.exists)
            ? nil : "redis-cli is not installed (apt-get install -y redis-tools)") else { return }

        let scratch = try FileSystem.temporaryDirectory(prefix: "ccr-readme-redis-cli")
        let redis = EmbeddedRedis(dataDirectory: scratch + "/redis", port: try Ports.freeServerPort(), password: RandomToken.hex(),
                                  durable: false, logger: Logger(label: "test.redis"))
        var cli: ChildProcess?
        var published = false
        var seen = ""
        do {
            try await redis.start()
            #expect(redis.url.hasPrefix("redis://default:"), "REDIS_URL of the runner: \(RedisURL.redacted(redis.url))")
            let output = scratch + "/redis-cli.out"
            let environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch, "REDIS_URL": redis.url]
            let process = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "exec " + command], environment: environment, outputPath: output)
            cli = process
            let client = RedisClient(url: try RedisURL(parsing: redis.url))
            let message = "readme-\(TestServices.uniqueTwitchUserID())"
            let deadline = monotonicNanoseconds() + 15_000_000_000
            while monotonicNanoseconds() < deadline {
                seen = FileSystem.readText(output) ?? ""
                if seen.contains(message) || process.exitStatusIfExited() != nil { break }
                // Publish once redis-cli is subscribed (PUBLISH counts it), again until it shows.
                if ((try? await client.publish(channel: "room:company:readme", message: message)) ?? 0) > 0 { published = true }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            await client.shutdown()
            #expect(published, "redis-cli never subscribed: \(seen)")
            #expect(seen.contains(message), "redis-cli did not print the published message: \(seen)")
        } catch {
            await cli?.terminate(graceMilliseconds: 2_000)
            await redis.stop()
            FileSystem.removeTree(scratch)
            throw error
        }
        await cli?.terminate(graceMilliseconds: 2_000)
        await redis.stop()
        FileSystem.removeTree(scratch)
        #expect(!seen.contains("NOAUTH") && !seen.contains("AUTH failed"), "\(seen)")
    }
}

struct RedisTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, failing with a RedisTestFailure after `seconds` (the body is cancelled).
func withDeadline<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            throw RedisTestFailure("no result within \(seconds) s")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// A redis-server of a test's own: config file in a temporary folder, a free loopback port,
/// stdout/stderr in `redis.log` there; `stop` ends it by pid and deletes the folder.
final class ScratchRedisServer: Sendable {
    let directory: String
    /// The port the configuration listens on (plaintext or TLS).
    let port: Int
    let process: ChildProcess

    static var executable: String? { ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first(where: FileSystem.exists) }

    private init(directory: String, port: Int, process: ChildProcess) {
        self.directory = directory
        self.port = port
        self.process = process
    }

    /// `configuration(port)` gives the lines that set the listening port and what the test needs;
    /// loopback binding, no persistence and the foreground are added here.
    static func start(label: String, port: Int? = nil, configuration: (Int) -> String) async throws -> ScratchRedisServer {
        guard let executable else { throw RedisTestFailure("redis-server is not installed (apt-get install -y redis-server)") }
        let directory = try FileSystem.temporaryDirectory(prefix: "ccr-redis-\(label)")
        let port = try port ?? Ports.freeServerPort()
        let text = """
            bind 127.0.0.1 -::1
            protected-mode yes
            daemonize no
            save ""
            appendonly no
            dir \(directory)
            \(configuration(port))

            """
        try FileSystem.writeText(text, to: directory + "/redis.conf", mode: 0o600)
        let process = try ChildProcess(executable: executable, arguments: [directory + "/redis.conf"], environment: ["PATH": "/usr/bin:/bin"],
                                       outputPath: directory + "/redis.log")
        let server = ScratchRedisServer(directory: directory, port: port, process: process)
        for _ in 0..<1_000 {
            if Ports.isAccepting(port: port) { return server }
            if process.exitStatusIfExited() != nil {
                let log = FileSystem.readText(directory + "/redis.log") ?? ""
                FileSystem.removeTree(directory)
                throw RedisTestFailure("redis-server (\(label)) exited at start: \(log.suffix(600))")
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        await server.stop()
        throw RedisTestFailure("redis-server (\(label)) did not listen on \(port)")
    }

    var log: String { FileSystem.readText(directory + "/redis.log") ?? "" }

    func stop() async {
        await process.terminate(graceMilliseconds: 3_000)
        FileSystem.removeTree(directory)
    }
}
