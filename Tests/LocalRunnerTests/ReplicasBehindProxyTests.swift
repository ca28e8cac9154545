import AsyncHTTPClient
import BlockingIO
import Files
import JSONValue
import LocalRunner
import NIOCore
import NIOHTTP1
import Postgres
import Processes
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `ccr-local up --replicas 2`: two relays and two `twitch-webhook` instances behind Debian's
/// HAProxy, routed like the production ingress. Signed load through the proxy is stored exactly
/// once; dashboard clients on every transport (long-polling, WebSocket, polling upgraded to
/// WebSocket) connected through the proxy keep receiving events, and when the relay they are on
/// is killed with SIGKILL they reconnect to the other one and recover what they missed: every
/// event exactly once, in id order.
@Suite(.serialized) struct ReplicasBehindProxyTests {
    /// One dashboard client through the proxy and the relay it is on.
    final class Dashboard {
        let name: String
        let client: SocketIOClient
        var relay: String

        init(name: String, client: SocketIOClient, relay: String) {
            self.name = name
            self.client = client
            self.relay = relay
        }
    }

    @Test func signedLoadAndDashboardClientsThroughHAProxySurviveARelayKill() async throws {
        guard try Prerequisite.available(RunningInstance.missing), try Prerequisite.available(EmbeddedHAProxy.missing),
              try Prerequisite.available(SocketIOClient.missing) else { return }
        let instance = try await RunningInstance.start(label: "replicas", replicas: 2)
        var clients: [SocketIOClient] = []
        do {
            try await Self.exercise(instance, clients: &clients)
        } catch {
            // A failed `#require`: stop the clients and the instance before reporting.
            Issue.record("\(error)\n\(instance.log.suffix(3000))")
            for client in clients { await client.stop() }
            _ = await instance.stop()
            instance.removeFolder()
        }
    }

    static func exercise(_ instance: RunningInstance, clients: inout [SocketIOClient]) async throws {
        let proxy = try #require(KeyValueFile.read(instance.files.proxyEnvironment), "proxy.env: \(instance.log.suffix(3000))")
        let relays = Self.namedURLs(proxy["RELAY_INTERNAL_URLS"])
        let webhooks = Self.namedURLs(proxy["WEBHOOK_INTERNAL_URLS"])
        let statsURL = try #require(proxy["PROXY_STATS_URL"])
        let routerInternal = try #require(proxy["ROUTER_INTERNAL_URL"])
        #expect(relays.map(\.name) == ["socket-relay-1", "socket-relay-2"] && webhooks.map(\.name) == ["twitch-webhook-1", "twitch-webhook-2"])
        #expect(relays.first?.url == instance.relayURL)
        let units = relays.map(\.name) + webhooks.map(\.name) + ["haproxy"]
        #expect(await instance.waitUp(units), "\(units) up: \(instance.statuses)")
        #expect(instance.runtime["RELAY_URL"] == instance.routerURL, "browsers reach the relays through the proxy")

        // Routes and the public surface: /metrics only internally; the dashboard points at the proxy;
        // the relays answer polling with the dashboard's CORS origin and the affinity cookie.
        for path in ["/metrics", "/metrics/", "/%6Detrics", "/METRICS"] {
            #expect(await instance.http("GET", path).status == 403, "\(path) is public")
        }
        let internalMetrics = await Self.get(routerInternal + "/metrics")
        #expect(internalMetrics.status == 200 && internalMetrics.body.contains("ccr_process_up{process=\"haproxy\"} 1"), "\(internalMetrics)")
        let config = await instance.http("GET", "/dashboard/config.json")
        #expect(config.status == 200 && config.body.contains(instance.routerURL), "\(config)")
        let handshake = await Self.get(instance.routerURL + "/socket.io/?EIO=4&transport=polling", headers: [("origin", instance.routerURL)])
        #expect(handshake.status == 200 && handshake.body.hasPrefix("0{"), "\(handshake)")
        #expect(handshake.headers.first { $0.0 == "access-control-allow-origin" }?.1 == instance.routerURL, "\(handshake.headers)")
        #expect(handshake.headers.contains { $0.0 == "set-cookie" && $0.1.hasPrefix(ProxyConfiguration.affinityCookie + "=socket-relay-") },
                "\(handshake.headers)")

        let company = try await instance.cliLine(["company", "create", "Replicated Talent"])
        let twitchUserID = String(UInt32.random(in: 100_000_000...999_999_999))
        _ = try await instance.cliLine(["creator", "add", "--company", company, "--twitch-user-id", twitchUserID, "--login", "replicated", "--link"])
        let token = try await instance.cliLine(["token", "--company", company, "--role", "viewer"])

        // Dashboards through the proxy, one at a time so that the relays' socket counts say which
        // relay each one landed on.
        var dashboards: [Dashboard] = []
        for (name, transports) in [("polling", "polling"), ("websocket", "websocket"), ("upgrade", "default")] {
            let before = await Self.socketCounts(relays)
            // python-engineio unchanged: its client refuses more than 16 packets in one polling
            // response, so the relay splits a recovery replay across responses.
            let client = try SocketIOClient(url: instance.routerURL, token: token, seconds: 900, directory: instance.dataDirectory,
                                            transports: transports)
            clients.append(client)
            #expect(await client.wait(seconds: 60) { $0.readyCount >= 1 }, "\(name): \(client.transcript)")
            var landed: String?
            let deadline = wallClockSeconds() + 10
            while landed == nil, wallClockSeconds() < deadline {
                let after = await Self.socketCounts(relays)
                landed = relays.map(\.name).first { (after[$0] ?? 0) == (before[$0] ?? 0) + 1 }
                if landed == nil { try await Task.sleep(nanoseconds: 20_000_000) }
            }
            dashboards.append(Dashboard(name: name, client: client, relay: try #require(landed, "\(name) is on no relay")))
        }
        let placement = dashboards.map { "\($0.name)@\($0.relay)" }.joined(separator: ", ")

        // Load before any kill.
        var sent = Set<String>()
        var requests = 0
        let first = await Self.sendFollows(instance, twitchUserID: twitchUserID, label: "steady", count: 150, concurrency: 4)
        sent.formUnion(first.stored)
        requests += first.requests
        #expect(first.failed.isEmpty, "not accepted through the proxy: \(first.failed.prefix(5))")
        try await Self.expectEveryEvent(instance, company: company, dashboards)

        // Two kills: first the relay holding the most dashboards (they move to the other one),
        // then, once the killed one is back in rotation, the relay they all moved to.
        var kills: [String] = []
        // Affinity: a dashboard reconnects only in the round of a kill of its relay (a polling
        // request on the wrong relay ends its session). Within that round it may take more than
        // one try: a relay restarted before the proxy's check saw it down takes the reconnect,
        // and the check that then fails moves the session once more.
        var settledReadyCounts = dashboards.map(\.client.readyCount)
        #expect(settledReadyCounts.allSatisfy { $0 == 1 }, "no reconnect before any kill: \(settledReadyCounts)")
        for round in 1...2 {
            let readyAtKill = dashboards.map(\.client.readyCount)
            #expect(readyAtKill == settledReadyCounts, "round \(round): reconnects between kills \(settledReadyCounts) → \(readyAtKill)")
            let counts = await Self.socketCounts(relays)
            // Most sockets; on a tie, the polling dashboard's relay.
            let ranked = relays.map(\.name).sorted { (counts[$0] ?? 0, $0 == dashboards[0].relay ? 1 : 0) > (counts[$1] ?? 0, $1 == dashboards[0].relay ? 1 : 0) }
            let victim = ranked[0]
            let survivor = ranked[1]
            let inRotation = await Self.waitUp(statsURL, backend: "relays", server: survivor)
            let statsText = inRotation ? "" : await Self.get(statsURL + "/;csv").body
            #expect(inRotation, "\(survivor) is not in rotation: \(statsText)")
            let affected = dashboards.filter { $0.relay == victim }
            let readyBefore = affected.map(\.client.readyCount)
            let status = try #require(instance.status(victim))
            let pid = try #require(status.pid)
            let killed = monotonicNanoseconds()
            kill(pid, SIGKILL)
            async let load = Self.sendFollows(instance, twitchUserID: twitchUserID, label: "kill\(round)", count: 100, concurrency: 4)
            // Reconnect time: the kill until the dashboard's namespace is connected again (recovery asked).
            var reconnected: [String: Int] = [:]
            while reconnected.count < affected.count, Double(monotonicNanoseconds() - killed) / 1e9 < 60 {
                for (index, dashboard) in affected.enumerated() where reconnected[dashboard.name] == nil && dashboard.client.readyCount > readyBefore[index] {
                    reconnected[dashboard.name] = Int(Double(monotonicNanoseconds() - killed) / 1e6)
                }
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            let reconnects = affected.map { dashboard in reconnected[dashboard.name].map { "\(dashboard.name) \($0) ms" } ?? "\(dashboard.name) never" }
            let during = await load
            sent.formUnion(during.stored)
            requests += during.requests
            #expect(during.failed.isEmpty, "not accepted while \(victim) was down: \(during.failed.prefix(5))")
            #expect(!reconnects.contains { $0.hasSuffix("never") }, "\(reconnects)")
            // They are all on the survivor now; the killed one was restarted (kill -9 seen as such) and is empty.
            let moved = await Self.waitCounts(relays) { ($0[survivor] ?? 0) == dashboards.count && ($0[victim] ?? 0) == 0 }
            let countsAfter = await Self.socketCounts(relays)
            #expect(moved, "after kill -9 \(victim): sockets per relay \(countsAfter)")
            for dashboard in affected { dashboard.relay = survivor }
            let restarted = await instance.waitRestarted(victim, previous: status.restarts)
            #expect(restarted?.lastExitStatus == 128 + SIGKILL, "\(victim): \(instance.statuses)")
            let caughtUp = try await Self.expectEveryEvent(instance, company: company, dashboards)
            settledReadyCounts = dashboards.map(\.client.readyCount)
            for (index, dashboard) in dashboards.enumerated() where !affected.contains(where: { $0 === dashboard }) {
                #expect(settledReadyCounts[index] == readyAtKill[index], "\(dashboard.name) was not on \(victim) and reconnected")
            }
            kills.append("kill -9 \(victim) (\(affected.map(\.name).joined(separator: "+")) on it): reconnected "
                         + reconnects.sorted().joined(separator: ", ") + "; all caught up \(Int(Double(caughtUp - killed) / 1e6)) ms after the kill")
        }

        // Stored exactly once: one row per accepted notification, none twice, nothing else.
        let stored = try Self.storedMessageIDs(instance, company: company)
        #expect(stored.count == sent.count && Set(stored) == sent, "sent \(sent.count), stored \(stored.count) (\(Set(stored).count) distinct)")
        let ids = try RunnerInstanceTests.storedEventIDs(instance, company: company).sorted()
        // Every dashboard: every event exactly once, in id order; reconnected only after kills, recovered each time.
        var delivered: [String] = []
        for dashboard in dashboards {
            let received = dashboard.client.orderedEventIDs
            let problem = "\(dashboard.name): \(received.count) received, \(ids.count) stored; "
                + "missing \(Set(ids).subtracting(received).sorted().prefix(10)), repeated \(received.count - Set(received).count), "
                + "in order \(received == received.sorted())"
            #expect(received == ids, "\(problem)")
            let flags = dashboard.client.recoveredFlags
            #expect(flags.dropFirst().allSatisfy { $0 == true }, "\(dashboard.name) reconnects recovered: \(flags)")
            delivered.append("\(dashboard.name) \(Set(received).count)")
        }

        // The load went to both webhook instances.
        let perWebhook = try await Self.sessionsPerServer(statsURL, backend: "webhooks")
        #expect(webhooks.allSatisfy { (perWebhook[$0.name] ?? 0) > 0 }, "\(perWebhook)")
        print("replicas behind haproxy: events sent \(sent.count) (signed follows, \(requests) requests; webhook requests per instance "
              + webhooks.map { "\(perWebhook[$0.name] ?? 0)" }.joined(separator: "/") + " with the subscription challenges), stored \(stored.count) "
              + "(each once), delivered "
              + delivered.joined(separator: ", ") + " (each in id order, no gaps, no duplicates); placement \(placement); "
              + kills.joined(separator: "; "))

        #expect(dashboards.map(\.client.readyCount) == settledReadyCounts, "no reconnect after the last kill settled")
        for dashboard in dashboards { await dashboard.client.stop() }
        #expect(await instance.stop(), "\(instance.log.suffix(3000))")
        #expect(instance.descendants().isEmpty)
        #expect(!FileSystem.exists(instance.files.proxyEnvironment))
        instance.removeFolder()
    }

    // MARK: helpers

    /// `name=url,name=url` from proxy.env.
    static func namedURLs(_ text: String?) -> [(name: String, url: String)] {
        (text ?? "").split(separator: ",").compactMap { pair in
            guard let equals = pair.firstIndex(of: "=") else { return nil }
            return (String(pair[..<equals]), String(pair[equals...].dropFirst()))
        }
    }

    static func get(_ url: String, headers: [(String, String)] = []) async -> (status: Int, body: String, headers: [(String, String)]) {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), String(buffer: body), response.headers.map { ($0.name.lowercased(), $0.value) })
        } catch {
            return (0, "\(error)", [])
        }
    }

    /// `connected_sockets` of each relay, read on its internal port (-1: not answering).
    static func socketCounts(_ relays: [(name: String, url: String)]) async -> [String: Int] {
        var counts: [String: Int] = [:]
        for relay in relays {
            let metrics = await get(relay.url + "/metrics")
            let line = metrics.body.split(separator: "\n").first { $0.hasPrefix("connected_sockets ") }
            counts[relay.name] = metrics.status == 200 ? line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1 : -1
        }
        return counts
    }

    static func waitCounts(_ relays: [(name: String, url: String)], seconds: Double = 20, _ condition: ([String: Int]) -> Bool) async -> Bool {
        let deadline = wallClockSeconds() + seconds
        while wallClockSeconds() < deadline {
            if condition(await socketCounts(relays)) { return true }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return false
    }

    /// HAProxy's stats CSV: one dictionary per line, by column name.
    static func stats(_ statsURL: String) async -> [[String: String]] {
        let text = await get(statsURL + "/;csv").body
        let lines = text.split(separator: "\n")
        guard let header = lines.first, header.hasPrefix("# ") else { return [] }
        let columns = header.dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(zip(columns, fields), uniquingKeysWith: { first, _ in first })
        }
    }

    /// Waits until HAProxy has `server` of `backend` in rotation (its checks passed `rise` times).
    static func waitUp(_ statsURL: String, backend: String, server: String, seconds: Double = 30) async -> Bool {
        let deadline = wallClockSeconds() + seconds
        while wallClockSeconds() < deadline {
            if await stats(statsURL).contains(where: { $0["pxname"] == backend && $0["svname"] == server && $0["status"] == "UP" }) { return true }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return false
    }

    /// Requests each server of `backend` received (`stot`).
    static func sessionsPerServer(_ statsURL: String, backend: String) async throws -> [String: Int] {
        var result: [String: Int] = [:]
        for row in await stats(statsURL) where row["pxname"] == backend && !["FRONTEND", "BACKEND"].contains(row["svname"] ?? "") {
            result[row["svname"] ?? ""] = Int(row["stot"] ?? "") ?? 0
        }
        return result
    }

    /// `count` signed follows through the proxy, `concurrency` at a time; each is redelivered with
    /// its own message id until a 2xx, as Twitch redelivers. Returns the accepted message ids.
    static func sendFollows(_ instance: RunningInstance, twitchUserID: String, label: String, count: Int, concurrency: Int) async
        -> (stored: [String], requests: Int, failed: [String])
    {
        let result = FollowTally()
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<concurrency {
                group.addTask {
                    for index in stride(from: lane, to: count, by: concurrency) {
                        let messageID = "replicas-\(label)-\(index)-\(UInt32.random(in: 0...UInt32.max))"
                        var accepted = false
                        var statuses: [Int] = []
                        for _ in 0..<20 where !accepted {
                            let status = await instance.follow(twitchUserID: twitchUserID, follower: "\(label)\(index)", messageID: messageID)
                            statuses.append(status)
                            accepted = (200..<300).contains(status)
                            if !accepted { try? await Task.sleep(nanoseconds: 100_000_000) }
                        }
                        await result.add(messageID, statuses: statuses, accepted: accepted)
                    }
                }
            }
        }
        return await (result.stored, result.requests, result.failed)
    }

    actor FollowTally {
        var stored: [String] = []
        var requests = 0
        var failed: [String] = []

        func add(_ messageID: String, statuses: [Int], accepted: Bool) {
            requests += statuses.count
            if accepted { stored.append(messageID) } else { failed.append("\(messageID): \(statuses)") }
        }
    }

    /// Waits until every dashboard has received every stored event of the company; the time it did.
    @discardableResult
    static func expectEveryEvent(_ instance: RunningInstance, company: String, _ dashboards: [Dashboard], seconds: Double = 60) async throws -> UInt64 {
        let stored = try RunnerInstanceTests.storedEventIDs(instance, company: company)
        for dashboard in dashboards {
            let complete = await dashboard.client.wait(seconds: seconds) { $0.eventIDs.isSuperset(of: stored) }
            let missing = "\(dashboard.name) on \(dashboard.relay): missing \(stored.subtracting(dashboard.client.eventIDs).sorted().prefix(10))"
                + "\n\(dashboard.client.transcript.suffix(2000))"
            #expect(complete, "\(missing)")
        }
        return monotonicNanoseconds()
    }

    /// The Twitch message ids of the company's stored events (one per row).
    static func storedMessageIDs(_ instance: RunningInstance, company: String) throws -> [String] {
        let connection = try PostgresConnection(url: instance.runtime["DATABASE_ADMIN_URL"] ?? "")
        return try connection.withTenantScope(companyId: company) {
            try connection.query("SELECT twitch_message_id FROM events WHERE company_id = $1", [company]).rows.map { try $0.require("twitch_message_id") }
        }
    }
}
