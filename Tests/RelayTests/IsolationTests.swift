import FanoutBenchmark
import BlockingIO
import JSONValue
import NIOPosix
import Redis
import Rooms
import SocketRelay
import TestSupport
import Testing

extension RelaySuites {
    /// Two companies side by side under load: every socket gets exactly its own company's events,
    /// each once and in order, and nothing of the other company, through company rooms, creator
    /// rooms and the real webhook path at the same time.
    @Suite struct IsolationTests {
        @Test func twoCompaniesUnderLoadNeverSeeEachOther() async throws {
            let relay = try await RelayUnderTest.start()
            let redis = RedisClient(url: try TestServices.redisURL(), size: 2)
            let webhook = try Webhook()
            let tenants = [try Tenant.make("Left"), try Tenant.make("Right")]
            let clientsPerCompany = 40
            var clients: [(tenant: Int, client: RawWebSocketClient)] = []
            for (index, tenant) in tenants.enumerated() {
                for number in 0..<clientsPerCompany {
                    let client = try await RelaySuites.RawProtocolTests.connected(relay, company: tenant.company)
                    if number % 2 == 0 {
                        // Half also join their creator room (the relay must not deliver twice).
                        client.sendText("420[\"subscribe\",{\"creatorId\":\"\(tenant.creator)\"}]")
                        #expect(await client.nextText() == "430[{\"ok\":true}]")
                    }
                    if number == 1 {
                        // And try the other company's creator: refused.
                        let foreign = tenants[1 - index].creator
                        client.sendText("421[\"subscribe\",{\"creatorId\":\"\(foreign)\"}]")
                        #expect(await client.nextText() == "431[{\"error\":\"creator not found\"}]")
                    }
                    clients.append((index, client))
                }
            }
            let python = try tenants.map { tenant in
                try PythonClient(PythonClient.plan(url: relay.url, token: TestKeys.token(company: tenant.company), seconds: 30,
                                                   extra: ["subscribe": [.string(tenant.creator)]]))
            }
            for client in python { #expect(await client.waitFor("ready")) }

            // Load: events published the way the ingest publisher does (company room, then creator
            // room, pipelined), interleaved between the two companies, plus real webhooks.
            let eventsPerCompany = 500
            let base = Int64.random(in: 1..<1_000_000) * 100_000 + 5_000_000_000_000
            var commands: [[String]] = []
            for sequence in 0..<eventsPerCompany {
                for (index, tenant) in tenants.enumerated() {
                    let event = CompactEvent(id: base + Int64(sequence * 2 + index), companyID: tenant.company, creatorID: tenant.creator,
                                             type: "channel.follow", version: "2", source: "webhook", occurredAt: "2026-01-01T00:00:00.000000Z",
                                             receivedAt: "2026-01-01T00:00:00.000000Z", broadcasterUserID: tenant.twitchUserID,
                                             data: ["seq": .int(Int64(sequence))])
                    commands.append(["PUBLISH", RoomName.company(tenant.company), event.jsonText])
                    commands.append(["PUBLISH", RoomName.creator(tenant.creator), event.jsonText])
                }
                if commands.count >= 200 {
                    _ = try await redis.pipeline(commands)
                    commands.removeAll()
                }
            }
            if !commands.isEmpty { _ = try await redis.pipeline(commands) }
            await withTaskGroup(of: Int.self) { group in
                for index in 0..<10 {
                    group.addTask { await webhook.follow(broadcaster: tenants[index % 2].twitchUserID, follower: "hook\(index)") }
                }
                for await status in group { #expect(status == 204) }
            }
            let expectedPerCompany = eventsPerCompany + 5

            for (index, client) in clients {
                var ids: [Int64] = []
                while ids.count < expectedPerCompany, let text = await client.nextText(timeout: 10_000) {
                    let arguments = try JSONParser.parse(String(text.dropFirst(2)))
                    let event = try #require(arguments.arrayValue?[1])
                    #expect(event["companyId"]?.stringValue == tenants[index].company, "cross-company delivery")
                    ids.append(try #require(event["id"]?.int64Value))
                }
                #expect(ids.count == expectedPerCompany, "client of company \(index) got \(ids.count)")
                #expect(Set(ids).count == ids.count, "duplicates")
                let published = ids.filter { $0 >= base }
                #expect(published == published.sorted(), "published events arrive in order")
                #expect(await client.nextText(timeout: 200) == nil, "nothing more")
                await client.close()
            }
            for (index, client) in python.enumerated() {
                #expect(await client.waitFor("event", count: expectedPerCompany, seconds: 20))
                #expect(client.records(ofType: "event").allSatisfy { $0["companyId"]?.stringValue == tenants[index].company })
                #expect(Set(client.eventIDs).count == client.eventIDs.count)
                await client.stop()
            }
            await webhook.shutdown()
            await redis.shutdown()
            await relay.stop()
        }
    }
}
