import AsyncHTTPClient
import BlockingIO
import EventSub
import Files
import JSONValue
import LocalRunner
import NIOCore
import NIOHTTP1
import Processes
import Settings
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

struct InstanceFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `.build/debug/ccr-local up` in a temporary data folder, as a developer runs it (its own
/// supervised Postgres, Redis, relay, Twitch stand-in and scheduler; the router on a free port).
final class RunningInstance: @unchecked Sendable {
    static var root: String { SharedResearch.repositoryRoot() }
    /// The built executables: `.build/debug`, or `CCR_TEST_BIN_DIR` (a build with its own `--scratch-path`).
    static var binaryDirectory: String { Environment().optional("CCR_TEST_BIN_DIR") ?? root + "/.build/debug" }
    static var ccrLocal: String { binaryDirectory + "/ccr-local" }

    /// Nil when the debug build has what `up` needs; else what is missing.
    static var missing: String? {
        for binary in ["ccr-local", "account", "twitch-webhook", "socket-relay", "twitch-stand-in", "discord-stand-in"]
        where !FileSystem.exists(binaryDirectory + "/" + binary) {
            return "\(binaryDirectory)/\(binary) is missing: build first with `swift build --build-tests`"
        }
        return nil
    }

    let dataDirectory: String
    let routerPort: Int
    let relayPort: Int
    let process: ChildProcess
    let logPath: String
    private(set) var runtime: [String: String] = [:]

    var routerURL: String { "http://127.0.0.1:\(routerPort)" }
    var relayURL: String { "http://127.0.0.1:\(relayPort)" }
    var files: InstanceFiles { InstanceFiles(dataDirectory: dataDirectory) }

    /// Starts `up` (in `dataDirectory`, or a fresh folder with free ports) and waits until it serves.
    /// `replicas`: `up --replicas N` (relays on `relayPort` and the next ports, HAProxy on the router port).
    static func start(label: String, dataDirectory: String? = nil, replicas: Int? = nil) async throws -> RunningInstance {
        // A port found free can be taken by another suite's process before `up` binds it; a fresh
        // instance then starts again in a new folder on other ports (at most twice) instead of
        // failing the test.
        var attempt = 0
        while true {
            attempt += 1
            let data: String
            if let dataDirectory {
                data = dataDirectory
            } else {
                data = try FileSystem.temporaryDirectory(prefix: "ccr-runner-\(label)")
                try KeyValueFile.write([("PG_PORT", String(try Ports.freeServerPort())), ("REDIS_PORT", String(try Ports.freeServerPort()))],
                                       to: data + "/secrets.env")
            }
            var relayPort = try Ports.freeServerPort()
            while let replicas, (1..<replicas).contains(where: { relayPort + $0 > Ports.serverPortRange.upperBound || Ports.isAccepting(port: relayPort + $0) }) {
                relayPort = try Ports.freeServerPort()
            }
            let instance = try launch(data: data, routerPort: try Ports.freeServerPort(), relayPort: relayPort, label: label, replicas: replicas)
            do {
                try await instance.waitServing()
                return instance
            } catch {
                guard dataDirectory == nil, attempt < 3, instance.log.contains("Address already in use") else { throw error }
                await instance.stop()
                instance.removeFolder()
                print("RunningInstance \(label): a port was taken before `up` bound it; starting again in a new folder on other ports")
            }
        }
    }

    /// Spawns `up` without waiting (the second-start test watches it fail).
    static func launch(data: String, routerPort: Int, relayPort: Int, label: String, replicas: Int? = nil) throws -> RunningInstance {
        let logPath = data + "/ccr-local-\(label)-\(UInt32.random(in: 0...UInt32.max)).log"
        var environment = Environment().all
        for key in ["DATABASE_URL", "DATABASE_ADMIN_URL", "REDIS_URL", "TWITCH_CLIENT_ID", "TWITCH_CLIENT_SECRET", "TWITCH_EVENTSUB_SECRET"] {
            environment[key] = nil
        }
        environment["LOG_LEVEL"] = "info"
        let process = try ChildProcess(
            executable: ccrLocal,
            arguments: ["up", "--port", String(routerPort), "--relay-port", String(relayPort), "--data-dir", data,
                        "--bin-dir", binaryDirectory, "--idle-seconds", "60",
                        "--routes", root + "/infra/routes.json", "--jobs", root + "/infra/jobs.json"] + (replicas.map { ["--replicas", String($0)] } ?? []),
            environment: environment, outputPath: logPath)
        return RunningInstance(dataDirectory: data, routerPort: routerPort, relayPort: relayPort, process: process, logPath: logPath)
    }

    private init(dataDirectory: String, routerPort: Int, relayPort: Int, process: ChildProcess, logPath: String) {
        self.dataDirectory = dataDirectory
        self.routerPort = routerPort
        self.relayPort = relayPort
        self.process = process
        self.logPath = logPath
    }

    var log: String { FileSystem.readText(logPath) ?? "" }

    func waitServing(seconds: Double = 180) async throws {
        let deadline = wallClockSeconds() + seconds
        while wallClockSeconds() < deadline {
            if let status = process.exitStatusIfExited() { throw InstanceFailure("ccr-local up exited with \(status):\n\(log)") }
            if let values = KeyValueFile.read(files.runtimeEnvironment), values["RELAY_URL"] != nil, Ports.isAccepting(port: routerPort) {
                runtime = values
                return
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw InstanceFailure("ccr-local up did not serve within \(Int(seconds)) s:\n\(log)")
    }

    /// SIGINT (Ctrl-C), as a developer stops it; true when it exited 0.
    @discardableResult
    func stop() async -> Bool {
        process.signal(SIGINT)
        if let status = await process.waitForExit(timeoutMilliseconds: 90_000) { return status == 0 }
        await process.terminate(graceMilliseconds: 1_000)
        return false
    }

    func removeFolder() {
        FileSystem.removeTree(dataDirectory)
    }

    var statuses: [ProcessStatus] { ProcessStatus.read(from: files.processes) }

    func status(_ name: String) -> ProcessStatus? { statuses.first { $0.name == name } }

    /// Waits until every one of `names` is up (serving means the router listens; the other
    /// supervised processes may still be starting on a loaded machine). True when they all are.
    func waitUp(_ names: [String], seconds: Double = 60) async -> Bool {
        let deadline = wallClockSeconds() + seconds
        while wallClockSeconds() < deadline {
            if names.allSatisfy({ status($0)?.state == .up }) { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return false
    }

    /// Waits until `name` is up again after its `restarts` count grew past `previous`.
    func waitRestarted(_ name: String, previous: Int, seconds: Double = 60) async -> ProcessStatus? {
        let deadline = wallClockSeconds() + seconds
        while wallClockSeconds() < deadline {
            if let status = status(name), status.state == .up, status.restarts > previous { return status }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return nil
    }

    // MARK: operator commands and requests

    /// `ccr-local <arguments> --data-dir <data>`: (status, stdout+stderr).
    func cli(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let output = dataDirectory + "/cli-\(UInt64.random(in: 0...UInt64.max)).out"
        var environment = Environment().all
        environment["LOG_LEVEL"] = "error"
        let status = try await ChildProcess.run(Self.ccrLocal, arguments + ["--data-dir", dataDirectory], environment: environment, outputPath: output)
        let text = FileSystem.readText(output) ?? ""
        FileSystem.remove(output)
        return (status, text)
    }

    /// The last line a successful command printed.
    func cliLine(_ arguments: [String]) async throws -> String {
        let (status, text) = try await cli(arguments)
        guard status == 0, let line = text.split(separator: "\n").last(where: { !$0.hasPrefix("{") }) else {
            throw InstanceFailure("ccr-local \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
        return String(line)
    }

    func http(_ method: String = "GET", _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) async -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: routerURL + path)
        request.method = .RAW(value: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let collected = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), String(buffer: collected))
        } catch {
            return (0, "\(error)")
        }
    }

    /// A signed `channel.follow` for `twitchUserID`, posted as Twitch would (the status it got).
    /// `messageID`: a fixed one, to redeliver the same notification as Twitch does.
    func follow(twitchUserID: String, follower: String, messageID: String = SignedDelivery.newMessageID()) async -> Int {
        let event: JSONValue = [
            "broadcaster_user_id": .string(twitchUserID), "broadcaster_user_login": "creator", "broadcaster_user_name": "Creator",
            "user_id": .string(String(UInt32.random(in: 1...UInt32.max))), "user_login": .string(follower), "user_name": .string(follower),
            "followed_at": .string(RFC3339.format(unixSeconds: wallClockSeconds())),
        ]
        let delivery = SignedDelivery.notification(
            type: "channel.follow", version: "2", event: event,
            condition: ["broadcaster_user_id": .string(twitchUserID), "moderator_user_id": .string(twitchUserID)],
            secret: runtime["TWITCH_EVENTSUB_SECRET"] ?? "", messageID: messageID,
            timestamp: RFC3339.format(unixSeconds: wallClockSeconds()))
        return await http("POST", "/webhooks/twitch", headers: delivery.headers, body: delivery.body).status
    }

    /// Posts like Twitch redelivers: until a 2xx (Postgres down answers 503).
    func followUntilStored(twitchUserID: String, follower: String, seconds: Double = 60) async -> Bool {
        let deadline = wallClockSeconds() + seconds
        while wallClockSeconds() < deadline {
            if (200..<300).contains(await follow(twitchUserID: twitchUserID, follower: follower)) { return true }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return false
    }

    /// Every process below the runner (pid, command name), from /proc.
    func descendants() -> [(pid: pid_t, name: String)] {
        var parents: [pid_t: pid_t] = [:]
        var names: [pid_t: String] = [:]
        for entry in (try? FileSystem.list("/proc")) ?? [] {
            guard let pid = pid_t(entry), let text = FileSystem.readText("/proc/\(entry)/stat"),
                  let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 1, fields[0] != "Z", let parent = pid_t(fields[1]) else { continue }
            parents[pid] = parent
            names[pid] = String(text[text.index(after: open)..<close])
        }
        var found: [(pid_t, String)] = []
        var frontier: Set<pid_t> = [process.pid]
        while !frontier.isEmpty {
            let children = parents.filter { frontier.contains($0.value) }.map(\.key)
            found += children.map { ($0, names[$0] ?? "") }
            frontier = Set(children)
        }
        return found
    }
}
