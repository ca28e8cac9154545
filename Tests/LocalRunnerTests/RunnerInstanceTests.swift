import AsyncHTTPClient
import BlockingIO
import Files
import JSONValue
import NIOCore
import NIOHTTP1
import LocalRunner
import Postgres
import Processes
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `ccr-local up` as a whole, with real processes: one owner per data folder, supervision after
/// kill -9, no descriptor leaking into children. One instance at a time (each starts Postgres,
/// Redis, the relay and the stand-in on this machine).
@Suite(.serialized) struct RunnerInstanceTests {
    /// A second `up` on a running instance's folder refuses in one line naming the owner, exits
    /// non-zero and leaves the first instance serving; a dead owner's lock is taken over.
    /// The spawned children hold neither the router's listening socket nor the lock file.
    @Test func secondUpRefusesAndHarmsNothing() async throws {
        guard try Prerequisite.available(RunningInstance.missing) else { return }
        let first = try await RunningInstance.start(label: "owner")
        let postgresBefore = try #require(first.status("postgres")?.pid)
        #expect(await first.http("GET", "/api/openapi.json").status == 200)  // starts `account`

        let second = try RunningInstance.launch(data: first.dataDirectory, routerPort: try Ports.freeServerPort(),
                                                relayPort: try Ports.freeServerPort(), label: "second")
        let exit = await second.process.waitForExit(timeoutMilliseconds: 60_000)
        #expect(exit != nil && exit != 0, "the second up exited with \(String(describing: exit))")
        let lines = second.log.split(separator: "\n")
        #expect(lines.count == 1, "one line, got:\n\(second.log)")
        let line = String(lines.first ?? "")
        #expect(line.contains("in use by pid \(first.process.pid)"), "\(line)")
        #expect(line.contains(first.routerURL) && line.contains(first.relayURL), "\(line)")

        // The first instance is untouched: same Postgres, everything up, still serving.
        #expect(FileSystem.exists(first.files.runtimeEnvironment))
        #expect(first.status("postgres")?.pid == postgresBefore)
        #expect(kill(postgresBefore, 0) == 0)
        #expect(await first.waitUp(first.statuses.map(\.name)), "\(first.statuses)")
        #expect(await first.http("GET", "/api/openapi.json").status == 200)
        let status = try await first.cli(["status"])
        #expect(status.status == 0 && status.output.contains("in use") == false)
        #expect(status.output.contains("local-runner pid \(first.process.pid)") && status.output.contains("job-scheduler"), "\(status.output)")

        Self.expectNoInheritedDescriptors(first)

        #expect(await first.stop(), "ccr-local up exits 0 on SIGINT:\n\(first.log)")
        #expect(first.descendants().isEmpty, "it stopped everything it started: \(first.descendants())")
        #expect(kill(postgresBefore, 0) != 0)
        // The lock file still names the dead owner; the next start takes it over.
        #expect(InstanceLock.owner(first.files) == nil)
        #expect(FileSystem.readText(first.files.lock)?.contains("PID=\(first.process.pid)") == true)
        let next = try await RunningInstance.start(label: "next", dataDirectory: first.dataDirectory)
        #expect(InstanceLock.owner(next.files)?.pid == next.process.pid)
        #expect(await next.http("GET", "/api/openapi.json").status == 200)
        #expect(await next.stop())
        next.removeFolder()
    }

    /// Point 4: every child sees stdin/stdout/stderr of its own; the router's listening socket
    /// and the lock file (which would keep a dead runner's folder locked) are never inherited.
    static func expectNoInheritedDescriptors(_ instance: RunningInstance) {
        let listener = ProcFS.listeningSocketInode(port: instance.routerPort)
        #expect(listener != nil, "the router listens on \(instance.routerPort)")
        let children = instance.descendants()
        for name in ["account", "socket-relay", "twitch-stand-in", "postgres", "redis-server"] {
            #expect(children.contains { $0.name == name }, "\(name) runs under the runner: \(children)")
        }
        for child in children {
            for (descriptor, target) in ProcFS.descriptors(child.pid) where descriptor > 2 {
                #expect(listener.map { target != "socket:[\($0)]" } ?? true, "\(child.name) (\(child.pid)) holds the router's socket as fd \(descriptor)")
                #expect(!target.hasSuffix("/instance.lock"), "\(child.name) (\(child.pid)) holds the lock file as fd \(descriptor)")
            }
        }
    }

    /// kill -9 of the relay, Redis and Postgres under a connected python-socketio client: the
    /// supervisor restarts each, and the client ends up with every event stored meanwhile.
    @Test func killedProcessesAreRestartedAndTheClientGetsEveryEvent() async throws {
        guard try Prerequisite.available(RunningInstance.missing), try Prerequisite.available(SocketIOClient.missing) else { return }
        let instance = try await RunningInstance.start(label: "supervision")
        let company = try await instance.cliLine(["company", "create", "Supervised Talent"])
        let twitchUserID = String(UInt32.random(in: 100_000_000...999_999_999))
        _ = try await instance.cliLine(["creator", "add", "--company", company, "--twitch-user-id", twitchUserID, "--login", "supervised", "--link"])
        let token = try await instance.cliLine(["token", "--company", company, "--role", "viewer"])
        let client = try SocketIOClient(url: instance.relayURL, token: token, seconds: 600, directory: instance.dataDirectory)
        #expect(await client.wait(seconds: 60) { $0.readyCount >= 1 }, "\(client.transcript)")
        #expect(await instance.followUntilStored(twitchUserID: twitchUserID, follower: "before"))
        #expect(await client.wait(seconds: 30) { $0.eventIDs.count == 1 }, "\(client.transcript)")

        var report: [String] = []
        for name in ["socket-relay", "redis", "postgres"] {
            let before = try #require(instance.status(name), "\(name) is supervised: \(instance.statuses)")
            let pid = try #require(before.pid)
            let killed = monotonicNanoseconds()
            kill(pid, SIGKILL)
            var firstStored: UInt64?
            for index in 0..<3 {
                #expect(await instance.followUntilStored(twitchUserID: twitchUserID, follower: "\(name)-outage-\(index)"))
                if firstStored == nil { firstStored = monotonicNanoseconds() }
            }
            let restarted = await instance.waitRestarted(name, previous: before.restarts)
            #expect(restarted != nil, "\(name) was not restarted: \(instance.statuses)\n\(instance.log.suffix(3000))")
            #expect(restarted?.lastExitStatus == 128 + SIGKILL)
            let stored = try Self.storedEventIDs(instance, company: company)
            let complete = await client.wait(seconds: 90) { $0.eventIDs.isSuperset(of: stored) }
            #expect(complete, "after kill -9 \(name): missing \(stored.subtracting(client.eventIDs))\n\(client.transcript.suffix(3000))")
            let servedAgain = Double(monotonicNanoseconds() - killed) / 1e6
            let line = "kill -9 \(name): restarted and serving \(restarted?.lastRecoveryMilliseconds ?? -1) ms after its exit was seen; "
                + "first webhook stored \(Int(Double((firstStored ?? killed) - killed) / 1e6)) ms after the kill; "
                + "client had all \(stored.count) events \(Int(servedAgain)) ms after the kill"
            report.append(line)
            print("supervision: " + line)
        }
        let metrics = await instance.http("GET", "/metrics").body
        for name in ["socket-relay", "redis", "postgres"] {
            #expect(metrics.contains("ccr_process_restarts_total{process=\"\(name)\"} 1"), "\(metrics)")
            #expect(metrics.contains("ccr_process_up{process=\"\(name)\"} 1"), "\(metrics)")
        }
        #expect(metrics.contains("ccr_process_up{process=\"job-scheduler\"} 1"), "\(metrics)")
        let status = try await instance.cli(["status"])
        #expect(status.status == 0)
        #expect(status.output.contains("signal 9"), "\(status.output)")
        #expect(instance.log.contains("supervised process restarted"))
        await client.stop()
        #expect(await instance.stop(), "\(instance.log.suffix(3000))")
        #expect(instance.descendants().isEmpty)
        instance.removeFolder()
        #expect(report.count == 3)
    }

    static func storedEventIDs(_ instance: RunningInstance, company: String) throws -> Set<Int64> {
        let connection = try PostgresConnection(url: instance.runtime["DATABASE_ADMIN_URL"] ?? "")
        return try connection.withTenantScope(companyId: company) {
            Set(try connection.query("SELECT id FROM events WHERE company_id = $1", [company]).rows.map { try $0.requireInt64("id") })
        }
    }
}

/// The operator's identity commands against a running instance: a company with its first owner,
/// its sign-in requirement, and readable refusals that change nothing.
@Suite struct OperatorIdentityCommandTests {
    @Test func companyWithOwnerAndSignInRequirement() async throws {
        guard try Prerequisite.available(RunningInstance.missing) else { return }
        let instance = try await RunningInstance.start(label: "operator-identity")
        let company = try await instance.cliLine(["company", "create", "Owned Agency", "--owner", "First.Owner@Agency.example"])
        let refused = try await instance.cli(["company", "create", "Never Made", "--owner", "not-an-email"])
        #expect(refused.status != 0 && refused.output.split(separator: "\n").count == 1, "\(refused)")
        #expect(try await instance.cliLine(["company", "sign-in", "--company", company, "--issuer", "https://accounts.google.com",
                                            "--domains", "agency.example, Partner.example"]).contains("set"))
        let badDomain = try await instance.cli(["company", "sign-in", "--company", company, "--domains", "me@agency.example"])
        #expect(badDomain.status != 0 && badDomain.output.contains("domains"), "\(badDomain)")
        let admin = try #require(instance.runtime["DATABASE_ADMIN_URL"])
        let connection = try PostgresConnection(url: admin)
        let row = try connection.withTenantScope(companyId: company) {
            try connection.query("""
                SELECT c.sso_issuer, array_to_string(c.sso_email_domains, ',') AS domains,
                       (SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.role = 'owner') AS owner,
                       (SELECT count(*) FROM companies WHERE name = 'Never Made') AS never
                FROM companies c WHERE c.id = $1
                """, [company]).first
        }
        #expect(row?["sso_issuer"] == "https://accounts.google.com" && row?["domains"] == "agency.example,partner.example")
        #expect(row?["owner"] == "first.owner@agency.example")
        #expect(await instance.stop())
        instance.removeFolder()
    }
}

/// Subscriptions follow a creator at once on a running instance (router, relay, scheduler, worker
/// supervisor, Twitch stand-in): adding one over REST creates its public subscriptions, linking
/// through the link pages adds the authorization-only ones, a follow then reaches the company,
/// and the creator disconnecting the app on Twitch revokes the link and removes them again.
@Suite struct CreatorSubscriptionLatencyTests {
    /// Polls the stand-in's subscription listing for one broadcaster until `condition` holds.
    static func waitForSubscriptions(_ instance: RunningInstance, user: String, seconds: Double,
                                     _ condition: ([(type: String, status: String)]) -> Bool) async throws -> Double? {
        let standIn = try #require(instance.runtime["TWITCH_STAND_IN_URL"])
        var request = HTTPClientRequest(url: standIn + "/oauth2/token")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "client_id=local-client-id&client_secret=local-client-secret&grant_type=client_credentials"))
        let tokenBody = try await HTTPClient.shared.execute(request, timeout: .seconds(5)).body.collect(upTo: 1 << 16)
        let appToken = try #require(try JSONParser.parse(Array(buffer: tokenBody))["access_token"]?.stringValue)
        let started = wallClockSeconds()
        while wallClockSeconds() - started < seconds {
            var list = HTTPClientRequest(url: standIn + "/helix/eventsub/subscriptions?user_id=\(user)")
            list.headers.add(name: "authorization", value: "Bearer \(appToken)")
            list.headers.add(name: "client-id", value: "local-client-id")
            let body = try await HTTPClient.shared.execute(list, timeout: .seconds(5)).body.collect(upTo: 1 << 20)
            let items = (try JSONParser.parse(Array(buffer: body))["data"]?.arrayValue ?? []).map {
                (type: $0["type"]?.stringValue ?? "", status: $0["status"]?.stringValue ?? "")
            }
            if condition(items) { return wallClockSeconds() - started }
            try await Task.sleep(nanoseconds: 25_000_000)
        }
        return nil
    }

    @Test func subscriptionsFollowACreatorWithinSeconds() async throws {
        guard try Prerequisite.available(RunningInstance.missing) else { return }
        let instance = try await RunningInstance.start(label: "creator-subscriptions")
        let company = try await instance.cliLine(["company", "create", "Latency Talent"])
        let token = try await instance.cliLine(["token", "--company", company, "--role", "owner"])
        let auth = [("authorization", "Bearer \(token)"), ("content-type", "application/json")]
        let login = "fresh\(UInt32.random(in: 10_000...99_999))"

        let posted = wallClockSeconds()
        let added = await instance.http("POST", "/api/creators", headers: auth, body: Array("{\"login\":\"\(login)\"}".utf8))
        #expect(added.status == 201, "\(added.body)")
        let creator = try JSONParser.parse(Array(added.body.utf8))
        let twitchUserID = try #require(creator["twitchUserId"]?.stringValue), creatorID = try #require(creator["id"]?.stringValue)
        let online = try await Self.waitForSubscriptions(instance, user: twitchUserID, seconds: 20) { items in
            items.contains { $0.type == "stream.online" && $0.status == "enabled" }
        }
        #expect(online != nil, "no enabled stream.online subscription:\n\(instance.log.suffix(4_000))")
        print("creator-subscriptions: POST /api/creators → enabled stream.online in \(format2(wallClockSeconds() - posted)) s")

        // The creator links through the link pages (approved at the stand-in).
        let linkedAt = wallClockSeconds()
        #expect(try await instance.cliLine(["creator", "link", "--company", company, "--creator", creatorID]) == "linked")
        let authorized = try await Self.waitForSubscriptions(instance, user: twitchUserID, seconds: 20) { items in
            ["channel.follow", "channel.subscribe", "channel.cheer"].allSatisfy { type in items.contains { $0.type == type && $0.status == "enabled" } }
        }
        #expect(authorized != nil, "no enabled follow/subscribe/cheer subscriptions:\n\(instance.log.suffix(4_000))")
        print("creator-subscriptions: link callback → enabled follow/subscribe/cheer in \(format2(wallClockSeconds() - linkedAt)) s (incl. the link chain)")

        // A follow reaches the company.
        #expect(await instance.followUntilStored(twitchUserID: twitchUserID, follower: "first_fan"))
        let admin = try #require(instance.runtime["DATABASE_ADMIN_URL"])
        let connection = try PostgresConnection(url: admin)
        let stored = try connection.withTenantScope(companyId: company) {
            try connection.query("SELECT count(*) AS n FROM events WHERE subscription_type = 'channel.follow'").first?["n"]
        }
        #expect(stored == "1")

        // The creator disconnects the app on Twitch: revoked link, authorization-only subscriptions gone.
        let standIn = try #require(instance.runtime["TWITCH_STAND_IN_URL"])
        var disconnect = HTTPClientRequest(url: standIn + "/_stand-in/users/\(twitchUserID)/disconnect")
        disconnect.method = .POST
        #expect((200..<300).contains(Int(try await HTTPClient.shared.execute(disconnect, timeout: .seconds(10)).status.code)))
        let removed = try await Self.waitForSubscriptions(instance, user: twitchUserID, seconds: 20) { items in
            !items.contains { $0.type == "channel.follow" } && items.contains { $0.type == "stream.online" && $0.status == "enabled" }
        }
        #expect(removed != nil, "authorization-only subscriptions not removed:\n\(instance.log.suffix(4_000))")
        let status = try connection.withTenantScope(companyId: company) {
            try connection.query("SELECT status FROM creator_links WHERE creator_id = $1", [creatorID]).first?["status"]
        }
        #expect(status == "revoked")
        #expect(await instance.stop())
        instance.removeFolder()
    }
}

private func format2(_ seconds: Double) -> String {
    let hundredths = Int((seconds * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
}
