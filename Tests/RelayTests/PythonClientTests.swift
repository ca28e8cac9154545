import SocketRelay
import AccessTokens
import BlockingIO
import JSONValue
import Rooms
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension RelaySuites {
    /// The relay against python-socketio's client (a real third-party implementation): transports,
    /// auth, end-to-end delivery from a signed webhook, creator rooms across tenants, keepalive.
    @Suite struct PythonClientTests {
        @Test(arguments: ["websocket", "default"])
        func connectsAndReceivesAWebhookEventEndToEnd(transports: String) async throws {
            let relay = try await RelayUnderTest.start()
            let webhook = try Webhook()
            let tenant = try Tenant.make()
            let client = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: tenant.company),
                                                            transports: transports, seconds: 20, extra: ["exit_after_events": 1]))
            #expect(await client.waitFor("ready"), "\(client.transcript)")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID) == 204)
            #expect(await client.waitFor("event"), "\(client.transcript)")
            let event = client.records(ofType: "event").first
            #expect(event?["companyId"]?.stringValue == tenant.company)
            #expect(event?["creatorId"]?.stringValue == tenant.creator)
            #expect(event?["eventType"]?.stringValue == "channel.follow")
            #expect(event?["args"]?.int64Value == 1, "no offset argument for clients that did not ask for one")
            #expect(try event?["id"]?.int64Value == tenant.storedEventIDs().last)
            #expect(await client.waitForExit() == 0)
            let final = client.records(ofType: "transport").first
            #expect(final?["transport"]?.stringValue == "websocket", "\(client.transcript)")
            await client.stop()
            await webhook.shutdown()
            await relay.stop()
        }

        @Test func pollingOnlyClientReceivesEvents() async throws {
            let relay = try await RelayUnderTest.start()
            let webhook = try Webhook()
            let tenant = try Tenant.make()
            let client = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: tenant.company),
                                                            transports: "polling", seconds: 20, extra: ["exit_after_events": 2]))
            #expect(await client.waitFor("ready"), "\(client.transcript)")
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID) == 204)
            #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "second") == 204)
            #expect(await client.waitFor("event", count: 2), "\(client.transcript)")
            #expect(try client.eventIDs == tenant.storedEventIDs())
            await client.stop()
            await webhook.shutdown()
            await relay.stop()
        }

        @Test(arguments: ["missing", "garbage", "wrong key", "expired", "wrong audience"])
        func refusedTokensGetConnectError(_ case_: String) async throws {
            let relay = try await RelayUnderTest.start()
            let tenant = try Tenant.make()
            let token: String
            switch case_ {
            case "missing": token = ""
            case "garbage": token = "not.a.jwt"
            case "wrong key": token = TestKeys.foreignToken(company: tenant.company)
            case "expired": token = TestKeys.token(company: tenant.company, ttlSeconds: -120)
            default:
                token = try TestKeys.material.signer.sign(
                    header: ["alg": "RS256", "typ": "JWT", "kid": "relay-test-key"],
                    claims: ["iss": .string(TestKeys.issuer), "aud": "someone-else", "sub": "u", "company_id": .string(tenant.company),
                             "role": "owner", "exp": .int(Int64(wallClockSeconds() + 600))])
            }
            let client = try PythonClient(PythonClient.plan(url: relay.url, token: token, seconds: 5))
            #expect(await client.waitFor("connect_error"), "\(case_): \(client.transcript)")
            let message = client.records(ofType: "connect_error").first?["data"]?["message"]?.stringValue ?? ""
            #expect(message.hasPrefix("Not authorized"), "\(message)")
            #expect(client.records(ofType: "connect").isEmpty)
            #expect(await client.waitFor("connect_failed"))
            await client.stop()
            await relay.stop()
        }

        @Test func creatorRoomsAreJoinableOnlyWithinTheTokensCompany() async throws {
            let relay = try await RelayUnderTest.start()
            let webhook = try Webhook()
            let mine = try Tenant.make("Mine")
            let theirs = try Tenant.make("Theirs")
            let client = try PythonClient(PythonClient.plan(
                url: relay.url, token: TestKeys.token(company: mine.company), seconds: 8,
                extra: ["subscribe": [.string(mine.creator), .string(theirs.creator), "not-a-uuid"],
                        "unsubscribe": [.string(mine.creator)]]))
            #expect(await client.waitFor("ready"), "\(client.transcript)")
            let acks = client.records(ofType: "ack")
            #expect(acks.count == 4)
            #expect(acks[0]["reply"]?["ok"] == .bool(true))
            #expect(acks[1]["reply"]?["error"]?.stringValue == "creator not found", "another company's creator is refused")
            #expect(acks[2]["reply"]?["error"] != nil)
            #expect(acks[3]["reply"]?["ok"] == .bool(true))
            // Their events never reach this client; its own arrive once, not once per room.
            #expect(await webhook.follow(broadcaster: theirs.twitchUserID) == 204)
            #expect(await webhook.follow(broadcaster: mine.twitchUserID) == 204)
            #expect(await client.waitFor("event"))
            try await Task.sleep(nanoseconds: 500_000_000)
            #expect(client.records(ofType: "event").allSatisfy { $0["companyId"]?.stringValue == mine.company })
            #expect(client.records(ofType: "event").count == 1)
            await client.stop()
            await webhook.shutdown()
            await relay.stop()
        }

        @Test func subscribedCreatorRoomDoesNotDuplicateEvents() async throws {
            let relay = try await RelayUnderTest.start()
            let webhook = try Webhook()
            let tenant = try Tenant.make()
            let client = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: tenant.company), seconds: 8,
                                                            extra: ["subscribe": [.string(tenant.creator)]]))
            #expect(await client.waitFor("ready"), "\(client.transcript)")
            for index in 0..<5 { #expect(await webhook.follow(broadcaster: tenant.twitchUserID, follower: "fan\(index)") == 204) }
            #expect(await client.waitFor("event", count: 5))
            try await Task.sleep(nanoseconds: 500_000_000)
            #expect(try client.eventIDs == tenant.storedEventIDs(), "each event once, in order: \(client.transcript)")
            await client.stop()
            await webhook.shutdown()
            await relay.stop()
        }

        @Test(arguments: ["websocket", "polling"])
        func keepaliveHoldsAcrossManyPingIntervals(transports: String) async throws {
            let relay = try await RelayUnderTest.start { configuration in
                configuration.pingIntervalMilliseconds = 200
                configuration.pingTimeoutMilliseconds = 1_000
            }
            let tenant = try Tenant.make()
            let client = try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: tenant.company),
                                                            transports: transports, seconds: 3))
            #expect(await client.waitFor("done", seconds: 15), "\(client.transcript)")
            #expect(client.records(ofType: "connect").count == 1)
            #expect(client.records(ofType: "transport").first?["connected"] == .bool(true), "still connected after ~15 pings: \(client.transcript)")
            await client.stop()
            await relay.stop()
        }
    }
}
