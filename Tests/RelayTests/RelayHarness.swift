import CryptoExtras
import FanoutBenchmark
import Files
import AccessTokens
import BlockingIO
import JSONValue
import LocalRunner
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Processes
import Settings
import SocketRelay
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// One RSA key pair for the whole test run (generating one takes a while), its JWKS file, and a
/// signer for tokens the relay accepts.
enum TestKeys {
    static let issuer = "https://issuer.relay-tests.local/"
    static let audience = "ccr-relay-tests"
    static let directory: String = {
        let path = "/tmp/ccr-relay-tests-\(getpid())"
        try? FileSystem.makeDirectories(path)
        return path
    }()

    static let material: (signer: AccessTokenSigner, jwksPath: String) = {
        let key = try! AccessTokenSigner.generateKey()
        let signer = AccessTokenSigner(kid: "relay-test-key", privateKey: key, issuer: issuer, audience: audience)
        let path = directory + "/jwks.json"
        try! FileSystem.writeText(try! JSONWebKeySet.document(kid: "relay-test-key", publicKey: key.publicKey), to: path)
        return (signer, path)
    }()

    /// A token for a member of `company` (memberships are the source of truth: the member is made
    /// real first; `sub` is its user id).
    static func token(company: String, role: Role = .viewer, ttlSeconds: Double = 3600) -> String {
        let key = company + "/" + role.rawValue
        let member = members.withLockedValue { $0[key] } ?? {
            let created = try! TestServices.addMember(company: company, email: "relay-\(role.rawValue)@example.com", role: role.rawValue)
            members.withLockedValue { $0[key] = created }
            return created
        }()
        return try! material.signer.token(subject: member, companyID: company, role: role, now: wallClockSeconds(), ttlSeconds: ttlSeconds)
    }

    /// Members made for tokens, by company and role (tests connect many sockets quickly).
    static let members = NIOLockedValueBox<[String: String]>([:])

    /// The same claims signed by a key the relay does not know.
    static func foreignToken(company: String) -> String {
        let other = AccessTokenSigner(kid: "relay-test-key", privateKey: try! AccessTokenSigner.generateKey(), issuer: issuer, audience: audience)
        return try! other.token(subject: "intruder", companyID: company, role: .owner, now: wallClockSeconds())
    }
}

/// A relay running in this test process against the test run's Redis and Postgres.
struct RelayUnderTest {
    let server: RelayServer
    let configuration: RelayConfiguration

    var port: Int { server.port }
    var url: String { "http://127.0.0.1:\(port)" }

    static func start(_ adjust: (inout RelayConfiguration) -> Void = { _ in }) async throws -> RelayUnderTest {
        var configuration = try baseConfiguration(port: 0)
        adjust(&configuration)
        var logger = Logger(label: "relay-under-test")
        logger.logLevel = .error
        let server = try await RelayMain.start(configuration: configuration, logger: logger)
        let relay = RelayUnderTest(server: server, configuration: configuration)
        if configuration.mode == .relay { try await relay.waitForRedis() }
        return relay
    }

    static func baseConfiguration(port: Int) throws -> RelayConfiguration {
        var configuration = RelayConfiguration(host: "127.0.0.1", port: port)
        configuration.eventLoops = 2
        configuration.drainMilliseconds = 200
        configuration.redisURL = try testRedisURL()
        configuration.databaseURL = try TestServices.databaseURL()
        configuration.jwtIssuer = TestKeys.issuer
        configuration.jwtAudience = TestKeys.audience
        configuration.jwksFile = TestKeys.material.jwksPath
        return configuration
    }

    static func testRedisURL() throws -> String {
        guard let url = Environment().optional("CCR_TEST_REDIS_URL") else { throw TestFailure("CCR_TEST_REDIS_URL is not set: run the tests with local-runner/test") }
        return url
    }

    /// The subscription is established asynchronously; wait until `/metrics` says so.
    func waitForRedis() async throws {
        for _ in 0..<500 {
            if let text = try? await HTTP.get(port: port, path: "/metrics").body, text.contains("redis_connected 1") { return }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw TestFailure("relay did not subscribe to redis")
    }

    func metric(_ name: String) async throws -> Int {
        let text = try await HTTP.get(port: port, path: "/metrics").body
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Int(line.split(separator: " ").last ?? "") ?? -1
        }
        return -1
    }

    func stop() async {
        await server.shutdown()
    }
}

/// The built `socket-relay` executable as a separate process (restart tests, SIGTERM).
final class RelayProcess {
    let process: ChildProcess
    let port: Int
    let logPath: String

    init(port: Int, extraEnvironment: [String: String] = [:]) throws {
        let root = SharedResearch.repositoryRoot()
        var environment = Environment().all
        environment["PORT"] = String(port)
        environment["HOST"] = "127.0.0.1"
        environment["REDIS_URL"] = try RelayUnderTest.testRedisURL()
        environment["DATABASE_URL"] = try TestServices.databaseURL()
        environment["JWT_ISSUER"] = TestKeys.issuer
        environment["JWT_AUDIENCE"] = TestKeys.audience
        environment["JWT_JWKS_FILE"] = TestKeys.material.jwksPath
        environment["LOG_LEVEL"] = "warning"
        for (key, value) in extraEnvironment { environment[key] = value }
        logPath = TestKeys.directory + "/relay-\(port)-\(UInt32.random(in: 0...UInt32.max)).log"
        self.port = port
        process = try ChildProcess(executable: root + "/.build/debug/socket-relay", environment: environment, outputPath: logPath)
    }

    func waitReady(timeoutSeconds: Double = 20) async throws {
        let deadline = wallClockSeconds() + timeoutSeconds
        while wallClockSeconds() < deadline {
            if let response = try? await HTTP.get(port: port, path: "/metrics"), response.body.contains("redis_connected 1") { return }
            if let status = process.exitStatusIfExited() { throw TestFailure("socket-relay exited with \(status): \(FileSystem.readText(logPath) ?? "")") }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw TestFailure("socket-relay not ready on port \(port)")
    }
}

/// A python-socketio client running a plan from `python/relay_client.py`; its JSON lines are read
/// from its output file.
final class PythonClient {
    let process: ChildProcess
    let outputPath: String

    /// Nil when python3 can import the client packages; otherwise why not (checked once).
    static let missingPackages: String? = {
        guard let check = try? ChildProcess(executable: "python3", arguments: ["-c", "import socketio, engineio, websocket, aiohttp"],
                                            environment: Environment().all, outputPath: TestKeys.directory + "/python-check.txt")
        else { return "python3 not found" }
        var status = check.exitStatusIfExited()
        while status == nil {
            usleep(5_000)
            status = check.exitStatusIfExited()
        }
        return status == 0 ? nil : "python3 cannot import socketio/websocket/aiohttp: install them with "
            + "`python3 -m pip install -r Tests/RelayTests/python/requirements.txt` (local-runner/test does this)"
    }()

    /// `script`: a file under Tests/RelayTests/python/ (`async_client.py`: the AsyncClient).
    init(_ plan: JSONValue, script name: String = "relay_client.py") throws {
        if let missing = Self.missingPackages { throw TestFailure(missing) }
        let script = SharedResearch.repositoryRoot() + "/Tests/RelayTests/python/" + name
        outputPath = TestKeys.directory + "/python-\(UInt64.random(in: 0...UInt64.max)).jsonl"
        var environment = Environment().all
        environment["PYTHONUNBUFFERED"] = "1"
        process = try ChildProcess(executable: "python3", arguments: [script, JSONWriter.string(plan)], environment: environment,
                                   outputPath: outputPath)
    }

    /// Every JSON line printed so far (stderr noise is skipped).
    func records() -> [JSONValue] {
        (FileSystem.readText(outputPath) ?? "").split(separator: "\n").compactMap { line in
            line.hasPrefix("{") ? try? JSONParser.parse(String(line)) : nil
        }
    }

    func records(ofType type: String) -> [JSONValue] {
        records().filter { $0["type"]?.stringValue == type }
    }

    var eventIDs: [Int64] { records(ofType: "event").compactMap { $0["id"]?.int64Value } }

    /// Waits until `condition` holds over the records; returns them either way.
    @discardableResult
    func wait(seconds: Double = 20, until condition: ([JSONValue]) -> Bool) async -> [JSONValue] {
        let deadline = wallClockSeconds() + seconds
        while wallClockSeconds() < deadline {
            let current = records()
            if condition(current) { return current }
            if process.exitStatusIfExited() != nil { return records() }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return records()
    }

    func waitFor(_ type: String, count: Int = 1, seconds: Double = 20) async -> Bool {
        let records = await wait(seconds: seconds) { records in records.filter { $0["type"]?.stringValue == type }.count >= count }
        return records.filter { $0["type"]?.stringValue == type }.count >= count
    }

    func waitForExit(seconds: Double = 30) async -> Int32? {
        await process.waitForExit(timeoutMilliseconds: Int(seconds * 1000))
    }

    /// Output for failure messages.
    var transcript: String { FileSystem.readText(outputPath) ?? "" }

    func stop() async {
        if process.exitStatusIfExited() == nil { await process.terminate(graceMilliseconds: 2_000) }
    }

    static func plan(url: String, token: String, transports: String = "websocket", seconds: Double = 10,
                     extra: [String: JSONValue] = [:]) -> JSONValue {
        var plan: [String: JSONValue] = ["url": .string(url), "token": .string(token), "transports": .string(transports),
                                         "seconds": .double(seconds)]
        plan.merge(extra) { _, new in new }
        return .object(plan)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Tiny HTTP/1.1 client over a raw socket (health, metrics, polling requests in tests).
enum HTTP {
    struct Response {
        let status: Int
        let body: String
    }

    static let group = MultiThreadedEventLoopGroup.singleton

    static func request(port: Int, method: String = "GET", path: String, body: String = "") async throws -> Response {
        let client = try await RawWebSocketClient.connect(port: port, group: group, handshake: false)
        client.sendRaw(Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8))
        var bytes: [UInt8] = []
        let deadline = wallClockSeconds() + 10
        while wallClockSeconds() < deadline {
            guard let frame = await client.next(timeout: 10_000) else { break }
            if case .raw(let chunk) = frame { bytes += chunk; if let response = parse(bytes) { await client.close(); return response } }
            if case .close = frame { break }
        }
        await client.close()
        if let response = parse(bytes) { return response }
        throw TestFailure("no complete HTTP response from \(path): \(String(decoding: bytes, as: UTF8.self))")
    }

    static func get(port: Int, path: String) async throws -> Response {
        try await request(port: port, path: path)
    }

    private static func parse(_ bytes: [UInt8]) -> Response? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headerEnd = text.firstRange(of: "\r\n\r\n") else { return nil }
        let header = text[..<headerEnd.lowerBound]
        let status = Int(header.split(separator: " ").dropFirst().first ?? "") ?? 0
        var length = 0
        for line in header.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: " ")) ?? 0
        }
        let body = Array(text[headerEnd.upperBound...].utf8)
        guard body.count >= length else { return nil }
        return Response(status: status, body: String(decoding: body.prefix(length), as: UTF8.self))
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var text = self
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}
