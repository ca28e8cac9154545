import FanoutBenchmark
import BlockingIO
import Ingest
import JSONValue
import LocalRunner
import Logging
import NIOPosix
import Processes
import Redis
import SocketRelay
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension RelaySuites {
    /// Missed events after a reconnect, a relay restart or a Redis outage: every one, in order,
    /// once, from Postgres under the client's own tenant, then the live stream.
    @Suite struct RecoveryTests {
        @Test func lastEventIdReplaysMissedEventsThenLive() async throws {
            let relay = try await RelayUnderTest.start()
            let webhook = try Webhook()
            let tenant = try Tenant.make()
            for index in 0..<4 { #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "early\(index)") == 204) }
            let stored = try tenant.storedEventIDs()
            #expect(stored.count == 4)
            let client = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: tenant.company), seconds: 15,
                                                            extra: ["recover": true, "last_event_id": .int(stored[0])]))
            #expect(await client.waitFor("event", count: 3), "\(client.transcript)")
            #expect(client.records(ofType: "connect_reply").first?["data"]?["recovered"] == .bool(true))
            for index in 0..<3 { #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "late\(index)") == 204) }
            #expect(await client.waitFor("event", count: 6), "\(client.transcript)")
            try await Task.sleep(nanoseconds: 300_000_000)
            #expect(try client.eventIDs == tenant.storedEventIDs(after: stored[0]), "no gap, no duplicate, in order")
            #expect(try await relay.metric("recoveries_total") == 1)
            await client.stop()
            await webhook.shutdown()
            await relay.stop()
        }

        /// A webhook publishes after its COMMIT. A client whose recovery replay ran between the
        /// two got the event from Postgres; the PUBLISH that follows must not deliver it again
        /// (a relay killed under load once showed `267, 268, 267, 268`).
        @Test func anEventPublishedAfterTheReplayThatHadItIsNotDeliveredTwice() async throws {
            let relay = try await RelayUnderTest.start()
            let webhook = try Webhook()
            let unpublished = try Webhook(publishes: false)
            let tenant = try Tenant.make()
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "seen") == 204)
            #expect(await unpublished.follow(broadcaster: tenant.twitchUserID, follower: "committed") == 204)
            let stored = try tenant.storedEventIDs()
            #expect(stored.count == 2)
            let client = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: tenant.company), seconds: 15,
                                                            extra: ["recover": true, "last_event_id": .int(stored[0])]))
            #expect(await client.waitFor("event"), "the committed event is replayed: \(client.transcript)")
            #expect(client.records(ofType: "connect_reply").first?["data"]?["recovered"] == .bool(true))
            // The webhook's PUBLISH of that event, after the replay: its company room and its creator's.
            let row = try TestServices.superuserQuery("SELECT \(EventRows.returning) FROM events WHERE id = $1", [stored[1]])
            let late = try EventRows.compactEvents(from: row).map { RoomPublisher.Delivery(event: $0, creatorIDs: [tenant.creator]) }
            #expect(late.count == 1)
            RoomPublisher(redis: webhook.redis, logger: Logger(label: "late-publish")).publishBlocking(late)
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "after") == 204)
            #expect(await client.waitFor("event", count: 2), "\(client.transcript)")
            try await Task.sleep(nanoseconds: 300_000_000)
            #expect(try client.eventIDs == tenant.storedEventIDs(after: stored[0]), "each once, in order: \(client.transcript)")
            await client.stop()
            await webhook.shutdown()
            await unpublished.shutdown()
            await relay.stop()
        }

        @Test func recoveryOutsideTheWindowIsRefusedAndSaysSo() async throws {
            let relay = try await RelayUnderTest.start { $0.recoveryWindowSeconds = 1 }
            let webhook = try Webhook()
            let tenant = try Tenant.make()
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID) == 204)
            let old = try tenant.storedEventIDs()[0]
            try await Task.sleep(nanoseconds: 2_200_000_000)
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "missed") == 204)
            let client = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: tenant.company), seconds: 10,
                                                            extra: ["recover": true, "last_event_id": .int(old)]))
            #expect(await client.waitFor("ready"), "\(client.transcript)")
            let reply = client.records(ofType: "connect_reply").first?["data"]
            #expect(reply?["recovered"] == .bool(false))
            #expect(reply?["recoveryError"]?.stringValue == "outside the recovery window")
            try await Task.sleep(nanoseconds: 300_000_000)
            #expect(client.eventIDs.isEmpty, "past the window nothing is replayed; the client refetches through REST")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "live") == 204)
            #expect(await client.waitFor("event"))
            #expect(try await relay.metric("recoveries_refused_total") == 1)
            await client.stop()
            await webhook.shutdown()
            await relay.stop()
        }

        @Test func recoveryNeverCrossesTenants() async throws {
            let relay = try await RelayUnderTest.start()
            let webhook = try Webhook()
            let a = try Tenant.make("A")
            let b = try Tenant.make("B")
            #expect(await webhook.follow(broadcaster: a.twitchUserID) == 204)
            #expect(await webhook.follow(broadcaster: b.twitchUserID) == 204)
            #expect(await webhook.follow(broadcaster: a.twitchUserID, follower: "again") == 204)
            let aFirst = try a.storedEventIDs()[0]
            let bFirst = try b.storedEventIDs()[0]
            // B presents A's event id: unknown in B's tenant scope, so nothing is replayed.
            let probing = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: b.company), seconds: 3,
                                                             extra: ["recover": true, "last_event_id": .int(aFirst)]))
            #expect(await probing.waitFor("done", seconds: 15))
            #expect(probing.records(ofType: "connect_reply").first?["data"]?["recovered"] == .bool(false))
            #expect(probing.eventIDs.isEmpty)
            // B resuming from its own event sees none of A's later events.
            let resuming = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: b.company), seconds: 3,
                                                              extra: ["recover": true, "last_event_id": .int(bFirst - 1)]))
            #expect(await resuming.waitFor("done", seconds: 15))
            #expect(resuming.records(ofType: "event").allSatisfy { $0["companyId"]?.stringValue == b.company })
            await probing.stop()
            await resuming.stop()
            await webhook.shutdown()
            await relay.stop()
        }

        @Test func socketIOConnectionStateRecoveryWithPidAndOffset() async throws {
            let relay = try await RelayUnderTest.start()
            let webhook = try Webhook()
            let tenant = try Tenant.make()
            for index in 0..<3 { #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "f\(index)") == 204) }
            let ids = try tenant.storedEventIDs()
            let client = try await RawWebSocketClient.connect(port: relay.port, group: MultiThreadedEventLoopGroup.singleton)
            #expect(await client.nextText()?.hasPrefix("0{") == true)
            client.sendText("40{\"token\":\"\(TestKeys.token(company: tenant.company))\",\"pid\":\"previous-pid\",\"offset\":\"\(ids[0])\"}")
            let reply = try JSONParser.parse(String(try #require(await client.nextText()).dropFirst(2)))
            #expect(reply["pid"]?.stringValue == "previous-pid", "same pid back: the JS client sets socket.recovered")
            #expect(reply["recovered"] == .bool(true))
            for expected in ids.dropFirst() {
                let text = try #require(await client.nextText())
                let arguments = try JSONParser.parse(String(text.dropFirst(2)))
                #expect(arguments.arrayValue?.first == "event")
                #expect(arguments.arrayValue?[1]["id"]?.int64Value == expected)
                #expect(arguments.arrayValue?.last == .string(String(expected)), "the event id is the Socket.IO offset (last argument)")
            }
            await client.close()

            // A client that has a pid but no offset yet (it saw no offset-bearing event): a normal
            // connect with a new pid, and from now on its events carry offsets.
            let fresh = try await RawWebSocketClient.connect(port: relay.port, group: MultiThreadedEventLoopGroup.singleton)
            _ = await fresh.nextText()
            fresh.sendText("40{\"token\":\"\(TestKeys.token(company: tenant.company))\",\"pid\":\"previous-pid\"}")
            let freshReply = try JSONParser.parse(String(try #require(await fresh.nextText()).dropFirst(2)))
            #expect(freshReply["pid"]?.stringValue != "previous-pid")
            #expect(freshReply["recovered"] == nil)
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "live") == 204)
            let live = try JSONParser.parse(String(try #require(await fresh.nextText()).dropFirst(2)))
            let liveID = try #require(live.arrayValue?[1]["id"]?.int64Value)
            #expect(live.arrayValue?.last == .string(String(liveID)))
            await fresh.close()
            await webhook.shutdown()
            await relay.stop()
        }

        /// The relay restarting under a connected client: killed, events stored meanwhile, started
        /// again; the client reconnects with its last event id and misses nothing. Then SIGTERM:
        /// the relay closes the sockets, exits 0, and the client comes back to the next instance.
        @Test func relayRestartUnderAConnectedClient() async throws {
            let port = try Ports.freeLoopbackPort()
            let webhook = try Webhook()
            let tenant = try Tenant.make()
            var relay = try RelayProcess(port: port)
            try await relay.waitReady()
            let client = try PythonClient(PythonClient.plan(url: "http://127.0.0.1:\(port)", token: TestKeys.token(company: tenant.company),
                                                            seconds: 60, extra: ["recover": true, "reconnect": true]))
            #expect(await client.waitFor("ready"), "\(client.transcript)")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "before") == 204)
            #expect(await client.waitFor("event"))

            relay.process.signal(SIGKILL)
            _ = await relay.process.waitForExit()
            #expect(await client.waitFor("disconnect"))
            for index in 0..<3 { #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "while-down\(index)") == 204) }
            relay = try RelayProcess(port: port)
            try await relay.waitReady()
            #expect(await client.waitFor("event", count: 4, seconds: 30), "\(client.transcript)")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "after") == 204)
            #expect(await client.waitFor("event", count: 5))
            #expect(try client.eventIDs == tenant.storedEventIDs())

            relay.process.signal(SIGTERM)
            #expect(await relay.process.waitForExit(timeoutMilliseconds: 10_000) == 0, "SIGTERM drains and exits 0")
            #expect(await client.waitFor("disconnect", count: 2))
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "between") == 204)
            relay = try RelayProcess(port: port)
            try await relay.waitReady()
            #expect(await client.waitFor("connect", count: 3, seconds: 30), "the client reconnects by itself after SIGTERM: \(client.transcript)")
            #expect(await client.waitFor("event", count: 6))
            try await Task.sleep(nanoseconds: 300_000_000)
            #expect(try client.eventIDs == tenant.storedEventIDs(), "\(client.transcript)")
            await client.stop()
            await relay.process.terminate()
            await webhook.shutdown()
        }

        /// A company with a connected python-socketio client, and another company's client that
        /// must never receive anything of the first.
        static func clientAndBystander(_ relay: RelayUnderTest, seconds: Double) async throws
            -> (tenant: Tenant, client: PythonClient, bystander: PythonClient) {
            let tenant = try Tenant.make()
            let other = try Tenant.make("Other")
            let client = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: tenant.company), seconds: seconds))
            let bystander = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: other.company), seconds: seconds))
            #expect(await client.waitFor("ready"))
            #expect(await bystander.waitFor("ready"))
            return (tenant, client, bystander)
        }

        /// An event stored but never published (its webhook process died between COMMIT and
        /// PUBLISH) still reaches the live sockets of its company, once, from Postgres; other
        /// companies' sockets get nothing.
        @Test func eventsStoredButNeverPublishedAreDeliveredFromPostgres() async throws {
            let relay = try await RelayUnderTest.start { $0.unpublishedCheckIntervalMilliseconds = 200 }
            let webhook = try Webhook()
            let silent = try Webhook(publishes: false)
            let (tenant, client, bystander) = try await Self.clientAndBystander(relay, seconds: 30)
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "live") == 204)
            #expect(await client.waitFor("event"))
            #expect(await silent.follow(broadcaster: tenant.twitchUserID, follower: "unpublished") == 204)
            #expect(await client.waitFor("event", count: 2, seconds: 15), "\(client.transcript)")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "after") == 204)
            #expect(await client.waitFor("event", count: 3))
            try await Task.sleep(nanoseconds: 1_500_000_000)  // a few more checks: nothing twice
            #expect(try client.eventIDs == tenant.storedEventIDs(), "\(client.transcript)")
            #expect(bystander.eventIDs.isEmpty)
            #expect(try await relay.metric("unpublished_events_delivered_total") == 1)
            await client.stop()
            await bystander.stop()
            await webhook.shutdown()
            await silent.shutdown()
            await relay.stop()
        }

        /// Redis goes away and comes back: the subscription is re-established and the events
        /// published meanwhile (lost by pub/sub) are replayed from Postgres, without duplicating those
        /// delivered before the outage.
        @Test func redisOutageIsBridgedFromPostgres() async throws {
            var logger = Logger(label: "private-redis")
            logger.logLevel = .error
            let redisPort = try Ports.freeLoopbackPort()
            let redisServer = EmbeddedRedis(dataDirectory: TestKeys.directory + "/redis-\(redisPort)", port: redisPort, password: "relaytest",
                                            durable: false, logger: logger)
            try await redisServer.start()
            let redisURL = try RedisURL(parsing: redisServer.url)
            let relay = try await RelayUnderTest.start { $0.redisURL = redisServer.url }
            var webhook = try Webhook(redisURL: redisURL)
            let (tenant, client, bystander) = try await Self.clientAndBystander(relay, seconds: 40)
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "before") == 204)
            #expect(await client.waitFor("event"))

            await redisServer.stop()
            for index in 0..<3 { #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "outage\(index)") == 204) }
            try await redisServer.start()
            await webhook.shutdown()
            webhook = try Webhook(redisURL: redisURL)  // a fresh publisher (the old one is in its backoff window)
            for _ in 0..<1_000 {
                if try await relay.metric("outage_replays_total") >= 1 { break }
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            #expect(await client.waitFor("event", count: 4, seconds: 20), "\(client.transcript)")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "after") == 204)
            #expect(await client.waitFor("event", count: 5))
            try await Task.sleep(nanoseconds: 300_000_000)
            #expect(try client.eventIDs == tenant.storedEventIDs(), "\(client.transcript)")
            #expect(bystander.eventIDs.isEmpty, "the other company's socket got nothing from the replay")
            #expect(client.records(ofType: "disconnect").isEmpty, "sockets stay connected through the outage")
            #expect(try await relay.metric("redis_reconnects_total") == 1)
            await client.stop()
            await bystander.stop()
            await webhook.shutdown()
            await relay.stop()
            await redisServer.stop()
        }
    }
}
