import BlockingIO
import JSONValue
import Processes
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension RelaySuites {
    /// python-socketio's AsyncClient (aiohttp): default transports, so its WebSocket upgrade
    /// rides a pooled keep-alive connection that already carried polling requests.
    @Suite struct AsyncClientTests {
        @Test func connectsWithDefaultTransportsReceivesLiveEventsAndReconnectsAfterARelayRestart() async throws {
            let port = try Ports.freeLoopbackPort()
            let webhook = try Webhook()
            let tenant = try Tenant.make()
            var relay = try RelayProcess(port: port)
            try await relay.waitReady()
            let client = try PythonClient(PythonClient.plan(url: "http://127.0.0.1:\(port)", token: TestKeys.token(company: tenant.company),
                                                            seconds: 60, extra: ["recover": true]), script: "async_client.py")
            #expect(await client.waitFor("ready", seconds: 15), "\(client.transcript)")
            #expect(client.records(ofType: "connect_failed").isEmpty, "\(client.transcript)")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "live") == 204)
            #expect(await client.waitFor("event"), "\(client.transcript)")

            relay.process.signal(SIGKILL)
            _ = await relay.process.waitForExit()
            #expect(await client.waitFor("disconnect"), "\(client.transcript)")
            for index in 0..<2 { #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "down\(index)") == 204) }
            relay = try RelayProcess(port: port)
            try await relay.waitReady()
            #expect(await client.waitFor("connect", count: 2, seconds: 30), "reconnects by itself: \(client.transcript)")
            #expect(await client.waitFor("event", count: 3, seconds: 20), "missed events recovered by lastEventId: \(client.transcript)")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "after") == 204)
            #expect(await client.waitFor("event", count: 4), "\(client.transcript)")
            try await Task.sleep(nanoseconds: 500_000_000)
            #expect(try client.eventIDs == tenant.storedEventIDs(), "every event once, in id order: \(client.transcript)")
            #expect(client.records(ofType: "event").allSatisfy { $0["args"]?.int64Value == 1 })
            await client.stop()
            await relay.process.terminate()
            await webhook.shutdown()
        }

        @Test func defaultTransportsEndOnTheWebSocket() async throws {
            let relay = try await RelayUnderTest.start()
            let tenant = try Tenant.make()
            let client = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: tenant.company), seconds: 2),
                                          script: "async_client.py")
            #expect(await client.waitFor("done", seconds: 20), "\(client.transcript)")
            #expect(client.records(ofType: "transport").first?["transport"]?.stringValue == "websocket", "\(client.transcript)")
            #expect(client.records(ofType: "disconnect").count == 1, "no transport failure before the end: \(client.transcript)")
            await client.stop()
            await relay.stop()
        }
    }

    /// Late deliveries (the unpublished-event check, outage replays) around a relay restart: a
    /// socket that did not ask for recovery gets only events stored after its CONNECT; one that
    /// asked gets every missed event exactly once, in id order.
    @Suite struct LateDeliveryTests {
        @Test func aFreshSocketGetsNoEventStoredBeforeItsConnect() async throws {
            let port = try Ports.freeLoopbackPort()
            let webhook = try Webhook()
            let silent = try Webhook(publishes: false)
            let tenant = try Tenant.make()
            var relay = try RelayProcess(port: port, extraEnvironment: ["RELAY_UNPUBLISHED_CHECK_MS": "200"])
            try await relay.waitReady()
            relay.process.signal(SIGKILL)
            _ = await relay.process.waitForExit()
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "while-down") == 204)
            relay = try RelayProcess(port: port, extraEnvironment: ["RELAY_UNPUBLISHED_CHECK_MS": "200"])
            try await relay.waitReady()
            // Stored, never published, before any socket of the company is connected.
            #expect(await silent.follow(broadcaster: tenant.twitchUserID, follower: "unpublished-before") == 204)
            try await Task.sleep(nanoseconds: 1_500_000_000)
            let before = try tenant.storedEventIDs()
            let client = try PythonClient(PythonClient.plan(url: "http://127.0.0.1:\(port)", token: TestKeys.token(company: tenant.company),
                                                            seconds: 30))
            #expect(await client.waitFor("ready"), "\(client.transcript)")
            try await Task.sleep(nanoseconds: 3_000_000_000)  // many checks
            #expect(client.eventIDs.isEmpty, "nothing stored before the CONNECT: \(client.transcript)")
            #expect(await silent.follow(broadcaster: tenant.twitchUserID, follower: "unpublished-after") == 204)
            #expect(await client.waitFor("event", seconds: 15), "an unpublished event stored after the CONNECT arrives late: \(client.transcript)")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "live") == 204)
            #expect(await client.waitFor("event", count: 2), "\(client.transcript)")
            try await Task.sleep(nanoseconds: 1_000_000_000)
            #expect(try client.eventIDs == tenant.storedEventIDs(after: before.last ?? 0), "\(client.transcript)")
            await client.stop()
            await relay.process.terminate()
            await webhook.shutdown()
            await silent.shutdown()
        }

        @Test func aRecoveringSocketGetsEveryMissedEventOnceInOrder() async throws {
            let port = try Ports.freeLoopbackPort()
            let webhook = try Webhook()
            let silent = try Webhook(publishes: false)
            let tenant = try Tenant.make()
            var relay = try RelayProcess(port: port, extraEnvironment: ["RELAY_UNPUBLISHED_CHECK_MS": "200"])
            try await relay.waitReady()
            let client = try PythonClient(PythonClient.plan(url: "http://127.0.0.1:\(port)", token: TestKeys.token(company: tenant.company),
                                                            seconds: 60, extra: ["recover": true, "reconnect": true]))
            #expect(await client.waitFor("ready"), "\(client.transcript)")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "before") == 204)
            #expect(await client.waitFor("event"))
            relay.process.signal(SIGKILL)
            _ = await relay.process.waitForExit()
            #expect(await client.waitFor("disconnect"))
            for index in 0..<3 { #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "down\(index)") == 204) }
            #expect(await silent.follow(broadcaster: tenant.twitchUserID, follower: "unpublished") == 204)
            relay = try RelayProcess(port: port, extraEnvironment: ["RELAY_UNPUBLISHED_CHECK_MS": "200"])
            try await relay.waitReady()
            #expect(await client.waitFor("event", count: 5, seconds: 30), "\(client.transcript)")
            #expect(await silent.follow(broadcaster: tenant.twitchUserID, follower: "unpublished-after") == 204)
            #expect(await client.waitFor("event", count: 6, seconds: 15), "\(client.transcript)")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "after") == 204)
            #expect(await client.waitFor("event", count: 7))
            try await Task.sleep(nanoseconds: 1_500_000_000)  // more checks: nothing twice
            #expect(try client.eventIDs == tenant.storedEventIDs(), "every event once, in id order: \(client.transcript)")
            await client.stop()
            await relay.process.terminate()
            await webhook.shutdown()
            await silent.shutdown()
        }
    }
}
