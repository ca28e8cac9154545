import NIOHTTP1
import Files
import AsyncHTTPClient
import BlockingIO
import Dashboard
import EventSub
import Hummingbird
import HTTPTypes
import JSONValue
import LocalRunner
import Logging
import NIOCore
import Processes
import Settings
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The whole system as a developer runs it: `.build/debug/ccr-local up` in a temporary data
/// folder (its own embedded Postgres and Redis on free ports, the router, the functions, the
/// Twitch stand-in and — once `local-runner` wires it — the socket relay).
///
/// Where the running system does not serve a piece the browser needs yet, the harness supplies
/// it and says so on stdout:
/// - no `RELAY_URL` in runtime.env: it starts `.build/debug/socket-relay` itself against the
///   same Redis, Postgres and development JWKS;
final class LocalSystem: @unchecked Sendable {
    let root: String
    let dataDirectory: String
    let runtime: [String: String]
    let routerURL: String
    private let process: ChildProcess
    private(set) var relay: RelayControl
    /// Where the browser opens the dashboard (the router, which starts the `dashboard` function).
    let dashboardURL: String
    /// Always "router" (the browser scripts print it).
    let dashboardMode: String

    var ccrLocal: String { Self.binaryDirectory + "/ccr-local" }

    /// The debug binaries built with this test bundle: the folder of the running test executable
    /// when it holds `ccr-local` (so `swift test --scratch-path X` runs X's binaries), else
    /// `.build/debug`; `CCR_BIN_DIR` overrides both.
    static let binaryDirectory: String = {
        if let directory = Environment().optional("CCR_BIN_DIR") { return directory }
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if count > 0 {
            let executable = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = executable.lastIndex(of: "/") {
                let directory = String(executable[..<slash])
                if FileSystem.exists(directory + "/ccr-local") { return directory }
            }
        }
        return SharedResearch.repositoryRoot() + "/.build/debug"
    }()

    /// `environment`: extra variables for `ccr-local up` (e.g. `OIDC_PROVIDERS` and its settings
    /// to sign in through another identity provider, `AUTH_ACCESS_TOKEN_SECONDS`).
    static func start(label: String, environment extra: [String: String] = [:]) async throws -> LocalSystem {
        let root = SharedResearch.repositoryRoot()
        let bin = binaryDirectory
        for binary in ["ccr-local", "twitch-webhook", "account", "creators", "events", "members", "keys", "auth", "oidc-stand-in", "twitch-stand-in", "socket-relay"]
        where !FileSystem.exists(bin + "/" + binary) {
            throw TestFailure("\(bin)/\(binary) is missing: build first with `swift build --build-tests`")
        }
        let data = try FileSystem.temporaryDirectory(prefix: "ccr-dashboard-\(label)")
        // Persistent mode defaults to fixed ports (15432/16379); a developer's own instance may
        // hold those, so this one gets free ports through its secrets file.
        try KeyValueFile.write([("PG_PORT", String(try Ports.freeServerPort())), ("REDIS_PORT", String(try Ports.freeServerPort()))],
                               to: data + "/secrets.env")
        let port = try Ports.freeServerPort()
        var environment = Environment().all
        for key in ["DATABASE_URL", "DATABASE_ADMIN_URL", "REDIS_URL", "TWITCH_CLIENT_ID", "TWITCH_CLIENT_SECRET", "TWITCH_EVENTSUB_SECRET"] {
            environment[key] = nil
        }
        environment["LOG_LEVEL"] = "warning"
        for (key, value) in extra { environment[key] = value }
        let logPath = data + "/ccr-local.log"
        let process = try ChildProcess(
            executable: bin + "/ccr-local",
            arguments: ["up", "--port", String(port), "--relay-port", String(try Ports.freeServerPort()), "--data-dir", data, "--bin-dir", bin, "--idle-seconds", "30",
                        "--routes", root + "/infra/routes.json", "--jobs", root + "/infra/jobs.json"],
            environment: environment, outputPath: logPath)

        // Ready when runtime.env names the router and the router answers.
        var runtime: [String: String] = [:]
        let deadline = wallClockSeconds() + 180
        while true {
            if let status = process.exitStatusIfExited() {
                throw TestFailure("ccr-local up exited with \(status):\n\(FileSystem.readText(logPath) ?? "")")
            }
            if let values = KeyValueFile.read(data + "/runtime.env"), values["ROUTER_URL"] != nil, values["TWITCH_STAND_IN_URL"] != nil,
               Ports.isAccepting(port: port) {
                runtime = values
                break
            }
            if wallClockSeconds() > deadline {
                await process.terminate()
                throw TestFailure("ccr-local up did not become ready in 180 s:\n\(FileSystem.readText(logPath) ?? "")")
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let routerURL = "http://127.0.0.1:\(port)"

        let relay: RelayControl
        if let relayURL = runtime["RELAY_URL"] {
            relay = try RelayControl.wired(url: relayURL, logPath: data + "/relay-restarted.log")
            print("dashboard tests: using the relay local-runner started (RELAY_URL=\(relayURL))")
        } else {
            print("dashboard tests: RELAY_URL is absent from runtime.env (local-runner does not start the relay yet); "
                  + "starting .build/debug/socket-relay for the browser tests")
            relay = try await RelayControl.owned(binaryDirectory: bin, runtime: runtime, routerURL: routerURL, logPath: data + "/relay.log")
        }

        // The dashboard is a function behind the router, like the API.
        let status = try await HTTPProbe.status(url: routerURL + "/dashboard/config.json")
        guard status == 200 else { throw TestFailure("the router answered \(status) for /dashboard/config.json") }
        let dashboardURL = routerURL
        let mode = "router"
        return LocalSystem(root: root, dataDirectory: data, runtime: runtime, routerURL: routerURL, process: process, relay: relay,
                           dashboardURL: dashboardURL, dashboardMode: mode)
    }

    private init(root: String, dataDirectory: String, runtime: [String: String], routerURL: String, process: ChildProcess,
                 relay: RelayControl, dashboardURL: String, dashboardMode: String) {
        self.root = root
        self.dataDirectory = dataDirectory
        self.runtime = runtime
        self.routerURL = routerURL
        self.process = process
        self.relay = relay
        self.dashboardURL = dashboardURL
        self.dashboardMode = dashboardMode
    }

    /// Stops everything this system started and deletes its folder. ccr-local stops its children
    /// itself; but when it cannot finish (a function crashing during shutdown), what it started
    /// must not outlive the test: its remaining descendants (by pid and start time, so a reused
    /// pid is never hit) and the embedded Postgres (daemonized by pg_ctl, found by its pid file)
    /// are stopped here.
    func stop() async {
        await relay.stopOwned()
        let descendants = ProcessTable.descendants(of: process.pid)
        _ = await process.terminate(graceMilliseconds: 60_000)
        await ProcessTable.terminate(descendants)
        let cluster = dataDirectory + "/postgres/cluster"
        if let text = FileSystem.readText(cluster + "/postmaster.pid"), let pid = pid_t(text.split(separator: "\n").first ?? ""),
           ProcessTable.commandLine(pid).contains(where: { $0.contains(cluster) }) {
            kill(pid, SIGINT)  // PostgreSQL's "fast" shutdown
            for _ in 0..<500 where kill(pid, 0) == 0 { try? await Task.sleep(nanoseconds: 20_000_000) }
        }
        _ = try? await ChildProcess.run("/bin/rm", ["-rf", dataDirectory], environment: ["PATH": "/usr/bin:/bin"])
    }

    // MARK: operator commands (the CLI a developer uses)

    /// Runs `ccr-local <arguments> --data-dir <data>` and returns its stdout's last non-log line.
    func cli(_ arguments: [String]) async throws -> String {
        let output = dataDirectory + "/cli-\(UInt64.random(in: 0...UInt64.max)).out"
        var environment = Environment().all
        environment["LOG_LEVEL"] = "error"
        let status = try await ChildProcess.run(ccrLocal, arguments + ["--data-dir", dataDirectory], environment: environment, outputPath: output)
        let text = FileSystem.readText(output) ?? ""
        FileSystem.remove(output)
        guard status == 0 else { throw TestFailure("ccr-local \(arguments.joined(separator: " ")) failed (\(status)): \(text)") }
        guard let line = text.split(separator: "\n").map(String.init).last(where: { !$0.hasPrefix("{") && !$0.isEmpty }) else {
            throw TestFailure("ccr-local \(arguments.joined(separator: " ")) printed nothing")
        }
        return line
    }

    func createCompany(_ name: String) async throws -> String {
        try await cli(["company", "create", name])
    }

    func addCreator(company: String, twitchUserID: String, login: String, displayName: String) async throws -> String {
        // Linked through the Twitch stand-in, so follows, subs and cheers reach the company as in production.
        try await cli(["creator", "add", "--company", company, "--twitch-user-id", twitchUserID, "--login", login, "--display-name", displayName, "--link"])
    }

    func token(company: String, role: String, user: String) async throws -> String {
        try await cli(["token", "--company", company, "--role", role, "--user", user, "--ttl", "7200"])
    }

    // MARK: signed webhooks

    var eventSubSecret: String { runtime["TWITCH_EVENTSUB_SECRET"] ?? "" }
    var webhookURL: String { routerURL + "/webhooks/twitch" }

    /// A signed EventSub notification (the project's SignedDelivery) for the browser scripts to
    /// post at the moment they choose: `{url, headers: [[name, value]], body}`.
    func delivery(type: String, version: String = "1", event: JSONValue, condition: JSONValue) -> JSONValue {
        let now = RFC3339.format(unixSeconds: wallClockSeconds())
        let signed = SignedDelivery.notification(type: type, version: version, event: event, condition: condition, secret: eventSubSecret,
                                                 messageID: SignedDelivery.newMessageID(), timestamp: now)
        return ["url": .string(webhookURL),
                "headers": .array(signed.headers.map { .array([.string($0.0), .string($0.1)]) }),
                "body": .string(String(decoding: signed.body, as: UTF8.self))]
    }

    static func broadcaster(_ creator: TestCreator) -> [String: JSONValue] {
        ["broadcaster_user_id": .string(creator.twitchUserID), "broadcaster_user_login": .string(creator.login),
         "broadcaster_user_name": .string(creator.displayName)]
    }

    func online(_ creator: TestCreator) -> JSONValue {
        var event = Self.broadcaster(creator)
        event["id"] = .string(String(UInt64.random(in: 1_000_000...9_999_999)))
        event["type"] = "live"
        event["started_at"] = .string(RFC3339.format(unixSeconds: wallClockSeconds() - 5))
        return delivery(type: "stream.online", event: .object(event), condition: ["broadcaster_user_id": .string(creator.twitchUserID)])
    }

    func offline(_ creator: TestCreator) -> JSONValue {
        delivery(type: "stream.offline", event: .object(Self.broadcaster(creator)), condition: ["broadcaster_user_id": .string(creator.twitchUserID)])
    }

    func titleChange(_ creator: TestCreator, title: String, category: String = "Just Chatting") -> JSONValue {
        var event = Self.broadcaster(creator)
        event["title"] = .string(title)
        event["language"] = "en"
        event["category_id"] = "509658"
        event["category_name"] = .string(category)
        event["content_classification_labels"] = []
        return delivery(type: "channel.update", version: "2", event: .object(event), condition: ["broadcaster_user_id": .string(creator.twitchUserID)])
    }

    func follow(_ creator: TestCreator, follower: String) -> JSONValue {
        var event = Self.broadcaster(creator)
        event["user_id"] = .string(String(UInt64.random(in: 1_000_000...9_999_999)))
        event["user_login"] = .string(follower.lowercased())
        event["user_name"] = .string(follower)
        event["followed_at"] = .string(RFC3339.format(unixSeconds: wallClockSeconds()))
        return delivery(type: "channel.follow", version: "2", event: .object(event),
                        condition: ["broadcaster_user_id": .string(creator.twitchUserID), "moderator_user_id": .string(creator.twitchUserID)])
    }

    func raid(to creator: TestCreator, from raider: String, viewers: Int) -> JSONValue {
        let event: JSONValue = [
            "from_broadcaster_user_id": .string(String(UInt64.random(in: 1_000_000...9_999_999))),
            "from_broadcaster_user_login": .string(raider.lowercased()), "from_broadcaster_user_name": .string(raider),
            "to_broadcaster_user_id": .string(creator.twitchUserID), "to_broadcaster_user_login": .string(creator.login),
            "to_broadcaster_user_name": .string(creator.displayName), "viewers": .int(Int64(viewers)),
        ]
        return delivery(type: "channel.raid", event: event, condition: ["to_broadcaster_user_id": .string(creator.twitchUserID)])
    }

    func cheer(_ creator: TestCreator, user: String, bits: Int, message: String) -> JSONValue {
        var event = Self.broadcaster(creator)
        event["is_anonymous"] = false
        event["user_id"] = .string(String(UInt64.random(in: 1_000_000...9_999_999)))
        event["user_login"] = .string(user.lowercased())
        event["user_name"] = .string(user)
        event["bits"] = .int(Int64(bits))
        event["message"] = .string(message)
        return delivery(type: "channel.cheer", event: .object(event), condition: ["broadcaster_user_id": .string(creator.twitchUserID)])
    }

    func hypeTrain(_ creator: TestCreator, level: Int) -> JSONValue {
        var event = Self.broadcaster(creator)
        event["id"] = .string(SignedDelivery.newMessageID())
        event["level"] = .int(Int64(level))
        event["total"] = 1200
        event["progress"] = 200
        event["goal"] = 1800
        event["top_contributions"] = []
        event["started_at"] = .string(RFC3339.format(unixSeconds: wallClockSeconds() - 30))
        event["expires_at"] = .string(RFC3339.format(unixSeconds: wallClockSeconds() + 300))
        return delivery(type: "channel.hype_train.begin", event: .object(event), condition: ["broadcaster_user_id": .string(creator.twitchUserID)])
    }
}

struct TestCreator: Sendable {
    let id: String
    let twitchUserID: String
    let login: String
    let displayName: String

    var json: JSONValue {
        ["id": .string(id), "twitchUserId": .string(twitchUserID), "login": .string(login), "displayName": .string(displayName)]
    }
}

extension LocalSystem {
    /// A company with creators (named after `names`) and a token per role asked for.
    func makeCompany(_ name: String, creators names: [String], roles: [String]) async throws -> (id: String, creators: [TestCreator], tokens: [String: String]) {
        let company = try await createCompany(name)
        var creators: [TestCreator] = []
        for displayName in names {
            let login = String(displayName.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
            let twitch = String(UInt64.random(in: 100_000_000...999_999_999))
            let id = try await addCreator(company: company, twitchUserID: twitch, login: login, displayName: displayName)
            creators.append(TestCreator(id: id, twitchUserID: twitch, login: login, displayName: displayName))
        }
        var tokens: [String: String] = [:]
        for role in roles {
            tokens[role] = try await token(company: company, role: role, user: "\(role)@\(login(name)).example")
        }
        return (company, creators, tokens)
    }

    private func login(_ name: String) -> String {
        String(name.lowercased().filter { $0.isLetter || $0.isNumber })
    }
}

/// The socket relay the browser talks to: the one local-runner started (found by its port) or
/// one this harness started. `stop()`/`start()` restart it on the same port.
final class RelayControl: @unchecked Sendable {
    let url: String
    let port: Int
    private var owned: ChildProcess?
    /// How to start it again: executable, arguments, environment (read from the running process
    /// when it is local-runner's).
    private var recipe: (executable: String, arguments: [String], environment: [String: String], logPath: String)?

    /// Where a relay restarted from local-runner's command line writes its output.
    private let restartLogPath: String

    private init(url: String, port: Int, owned: ChildProcess?, recipe: (String, [String], [String: String], String)?, restartLogPath: String) {
        self.url = url
        self.port = port
        self.owned = owned
        self.recipe = recipe
        self.restartLogPath = restartLogPath
    }

    static func wired(url: String, logPath: String) throws -> RelayControl {
        guard let port = url.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
            throw TestFailure("RELAY_URL has no port: \(url)")
        }
        return RelayControl(url: url, port: port, owned: nil, recipe: nil, restartLogPath: logPath)
    }

    static func owned(binaryDirectory: String, runtime: [String: String], routerURL: String, logPath: String) async throws -> RelayControl {
        let port = try Ports.freeServerPort()
        var environment: [String: String] = ["PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning", "HOST": "127.0.0.1", "PORT": String(port)]
        environment["REDIS_URL"] = runtime["REDIS_URL"]
        environment["DATABASE_URL"] = runtime["DATABASE_URL"]
        environment["JWT_ISSUER"] = DevelopmentKeys.issuer
        environment["JWT_AUDIENCE"] = DevelopmentKeys.audience
        environment["JWT_JWKS_URL"] = routerURL + "/.well-known/jwks.json"
        let relay = RelayControl(url: "http://127.0.0.1:\(port)", port: port, owned: nil,
                                 recipe: (binaryDirectory + "/socket-relay", [], environment, logPath), restartLogPath: logPath)
        try await relay.start()
        return relay
    }

    /// Starts the relay from the recipe and waits until it is subscribed to Redis.
    func start() async throws {
        guard let recipe else { throw TestFailure("no way to start the relay again") }
        if let held = portHold {
            // local-runner supervises its relay: once the port is free its next restart attempt
            // (backoff at most 10 s) brings it back.
            close(held)
            portHold = nil
            for _ in 0..<600 where !Ports.isAccepting(port: port) { try await Task.sleep(nanoseconds: 50_000_000) }
            if Ports.isAccepting(port: port) { return try await waitReady() }
        }
        if Ports.isAccepting(port: port) { return }  // someone (local-runner) already brought it back
        owned = try ChildProcess(executable: recipe.executable, arguments: recipe.arguments, environment: recipe.environment,
                                 outputPath: recipe.logPath)
        try await waitReady()
    }

    func waitReady(seconds: Double = 30) async throws {
        let deadline = wallClockSeconds() + seconds
        while wallClockSeconds() < deadline {
            if let text = try? await HTTPProbe.body(url: url + "/metrics"), text.contains("redis_connected 1") { return }
            if let owned, let status = owned.exitStatusIfExited() {
                throw TestFailure("socket-relay exited with \(status): \(recipe.flatMap { FileSystem.readText($0.logPath) } ?? "")")
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw TestFailure("socket-relay on port \(port) did not become ready")
    }

    /// SIGTERM (a deploy or a crash-restart from the clients' point of view), and wait until the
    /// port is closed. For local-runner's relay, its command line and environment are kept so
    /// the harness can start it again if local-runner does not.
    func stop() async throws {
        if let owned {
            _ = await owned.terminate(graceMilliseconds: 10_000)
            self.owned = nil
        } else {
            guard let pid = ProcessTable.listener(port: port) else { throw TestFailure("no process listens on the relay port \(port)") }
            if recipe == nil {
                let arguments = ProcessTable.commandLine(pid)
                guard let executable = arguments.first else { throw TestFailure("cannot read the relay's command line (pid \(pid))") }
                recipe = (executable, Array(arguments.dropFirst()), ProcessTable.environment(pid), restartLogPath)
            }
            kill(pid, SIGTERM)
        }
        let deadline = wallClockSeconds() + 15
        while Ports.isAccepting(port: port) && wallClockSeconds() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        if recipe != nil && owned == nil { try await holdPortAgainstSupervisor(until: deadline) }
    }

    /// local-runner restarts its relay within a few hundred ms; to keep it down as long as a test
    /// needs, the harness listens on the port itself (accepting nobody, so clients see no relay)
    /// and every restart fails to bind until `start()` lets go. SO_REUSEADDR because the old
    /// relay's closed connections leave the port in TIME_WAIT.
    private var portHold: Int32?

    private func holdPortAgainstSupervisor(until deadline: Double) async throws {
        while wallClockSeconds() < deadline {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            var one: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0, listen(descriptor, 1) == 0 {
                portHold = descriptor
                return
            }
            close(descriptor)
            // The supervisor was quicker: stop its new relay again.
            if let pid = ProcessTable.listener(port: port) { kill(pid, SIGTERM) }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw TestFailure("could not keep the relay port \(port) free of local-runner's restarts")
    }

    /// Stops a relay this harness started (end of the test).
    func stopOwned() async {
        if let owned { _ = await owned.terminate(graceMilliseconds: 5_000) }
        owned = nil
    }
}

/// /proc lookups for the relay local-runner started (its pid by listening port, its command
/// line and environment).
enum ProcessTable {
    static func listener(port: Int) -> pid_t? {
        var inodes: Set<String> = []
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            for line in (FileSystem.readText(file) ?? "").split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 9, fields[3] == "0A" else { continue }  // LISTEN
                let local = fields[1].split(separator: ":")
                if local.count == 2, Int(local[1], radix: 16) == port { inodes.insert(String(fields[9])) }
            }
        }
        guard !inodes.isEmpty else { return nil }
        for name in (try? FileSystem.list("/proc")) ?? [] {
            guard let pid = pid_t(name), let fds = try? FileSystem.list("/proc/\(name)/fd") else { continue }
            for fdName in fds {
                var buffer = [CChar](repeating: 0, count: 256)
                let count = readlink("/proc/\(name)/fd/\(fdName)", &buffer, 255)
                guard count > 0 else { continue }
                let target = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if target.hasPrefix("socket:["), inodes.contains(String(target.dropFirst(8).dropLast())) { return pid }
            }
        }
        return nil
    }

    /// Every process below `root` (children, their children, …) as (pid, start time).
    static func descendants(of root: pid_t) -> [(pid: pid_t, start: String)] {
        var parents: [pid_t: pid_t] = [:]
        var starts: [pid_t: String] = [:]
        for name in (try? FileSystem.list("/proc")) ?? [] {
            guard let pid = pid_t(name), let info = status(pid) else { continue }
            parents[pid] = info.parent
            starts[pid] = info.start
        }
        var found: [(pid_t, String)] = []
        var frontier: Set<pid_t> = [root]
        while !frontier.isEmpty {
            let children = parents.filter { frontier.contains($0.value) }.map(\.key)
            for child in children { found.append((child, starts[child] ?? "")) }
            frontier = Set(children)
        }
        return found
    }

    /// SIGTERM to the ones still running as the same process, then SIGKILL after 5 s.
    static func terminate(_ processes: [(pid: pid_t, start: String)]) async {
        let alive = { processes.filter { status($0.pid)?.start == $0.start } }
        let running = alive()
        guard !running.isEmpty else { return }
        for process in running { kill(process.pid, SIGTERM) }
        for _ in 0..<250 where !alive().isEmpty { try? await Task.sleep(nanoseconds: 20_000_000) }
        for process in alive() { kill(process.pid, SIGKILL) }
    }

    /// (parent pid, start time) from /proc/<pid>/stat; nil when gone or a zombie.
    private static func status(_ pid: pid_t) -> (parent: pid_t, start: String)? {
        guard let text = FileSystem.readText("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm)": state ppid … ; starttime is field 22 overall, 20th after the comm.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", let parent = pid_t(fields[1]) else { return nil }
        return (parent, String(fields[19]))
    }

    static func commandLine(_ pid: pid_t) -> [String] {
        nulSeparated("/proc/\(pid)/cmdline")
    }

    static func environment(_ pid: pid_t) -> [String: String] {
        var values: [String: String] = [:]
        for item in nulSeparated("/proc/\(pid)/environ") {
            guard let equals = item.firstIndex(of: "=") else { continue }
            values[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return values
    }

    private static func nulSeparated(_ path: String) -> [String] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Small HTTP helper for readiness probes.
enum HTTPProbe {
    static func status(url: String) async throws -> Int {
        try await fetch(url: url).status
    }

    static func body(url: String) async throws -> String {
        try await fetch(url: url).body
    }

    static func fetch(url: String, method: String = "GET", headers: [(String, String)] = [], body: [UInt8]? = nil) async throws
        -> (status: Int, headers: [(String, String)], body: String)
    {
        var request = HTTPClientRequest(url: url)
        request.method = .RAW(value: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let collected = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), response.headers.map { ($0.name, $0.value) }, String(buffer: collected))
    }
}
