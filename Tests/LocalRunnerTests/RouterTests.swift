import Postgres
import NIOHTTP1
import JSONValue
import Files
import AsyncHTTPClient
import BlockingIO
import EventSub
import Logging
import LocalRunner
import NIOCore
import Processes
import Router
import Settings
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct RouteTableTests {
    @Test func committedRouteTableParses() throws {
        let text = try #require(FileSystem.readText(SharedResearch.repositoryRoot() + "/infra/routes.json"))
        let table = try RouteTable(json: text)
        #expect(table.route(for: "/webhooks/twitch")?.function == "twitch-webhook")
        // The dashboard owns `/` exactly and `/dashboard/…`; nothing else falls through to it.
        #expect(table.route(for: "/")?.function == "dashboard")
        #expect(table.route(for: "/dashboard/app.js")?.function == "dashboard")
        #expect(table.route(for: "/no-such-page") == nil)
    }

    @Test func exactRoutesMatchOnlyTheirPath() throws {
        let table = try RouteTable(json: #"{"routes": [{"prefix": "/", "exact": true, "function": "page"}, {"prefix": "/api", "function": "api"}]}"#)
        #expect(table.route(for: "/")?.function == "page")
        #expect(table.route(for: "/x") == nil)
        #expect(table.route(for: "/api/me")?.function == "api")
        #expect(table.routes[0].exact && !table.routes[1].exact)
    }

    @Test func longestPrefixOnSegmentBoundaries() throws {
        let table = RouteTable(routes: [Route(prefix: "/api", function: "api"), Route(prefix: "/api/events", function: "events")])
        #expect(table.route(for: "/api/events/1")?.function == "events")
        #expect(table.route(for: "/api/eventsX")?.function == "api")
        #expect(table.route(for: "/api")?.function == "api")
        #expect(table.route(for: "/apix") == nil)
        #expect(throws: RouteTable.Invalid.self) { try RouteTable(json: #"{"routes":[{"prefix":"nope","function":"x"}]}"#) }
        #expect(throws: RouteTable.Invalid.self) { try RouteTable(json: #"{"routes":[{"prefix":"/a","function":"../bin/sh"}]}"#) }
    }

    /// The production manifests in infra/ are generated from the same table and must be current.
    @Test func generatedManifestsAreUpToDate() throws {
        let root = SharedResearch.repositoryRoot()
        let table = try RouteTable(json: try #require(FileSystem.readText(root + "/infra/routes.json")))
        let jobs = try JobTable.load(root + "/infra/jobs.json")
        for (name, content) in InfraManifests.render(table) + InfraManifests.render(jobs) + InfraManifests.renderRelay() {
            let committed = FileSystem.readText(root + "/infra/" + name)
            #expect(committed == content, "infra/\(name) is stale: run local-runner/run infra render")
        }
    }
}

/// The real router in front of the real webhook executable (built by `swift build`), against the
/// test run's Postgres and Redis.
@Suite(.serialized) struct RouterEndToEndTests {
    static let secret = "router-test-secret-001"

    func withRouter(idleSeconds: Int, maxBodyBytes: Int = 8 << 20, _ body: (Int, RouterServer) async throws -> Void) async throws {
        let root = SharedResearch.repositoryRoot()
        let binaries = root + "/.build/debug"
        try #require(FileSystem.exists(binaries + "/twitch-webhook"), "build the package first (swift build)")
        let environment = [
            "DATABASE_URL": try TestServices.databaseURL(), "REDIS_URL": try #require(Environment().optional("CCR_TEST_REDIS_URL")),
            "TWITCH_EVENTSUB_SECRET": Self.secret, "PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning",
        ]
        let router = RouterServer(
            table: try RouteTable(json: try #require(FileSystem.readText(root + "/infra/routes.json"))),
            binaryDirectory: binaries, environment: environment, idleSeconds: idleSeconds, maxBodyBytes: maxBodyBytes,
            logger: Logger(label: "router-test"))
        let port = try Ports.freeLoopbackPort()
        let task = Task { try await router.run(host: "127.0.0.1", port: port) }
        while !Ports.isAccepting(port: port) { try await Task.sleep(nanoseconds: 2_000_000) }
        do {
            try await body(port, router)
        } catch {
            task.cancel()
            await router.shutdown()
            throw error
        }
        task.cancel()
        await router.shutdown()
    }

    func post(_ client: HTTPClient, port: Int, twitchID: String) async throws -> Int {
        let now = RFC3339.format(unixSeconds: wallClockSeconds())
        let delivery = SignedDelivery.notification(
            type: "stream.offline", version: "1",
            event: ["broadcaster_user_id": .string(twitchID), "broadcaster_user_login": "b", "broadcaster_user_name": "B"],
            condition: ["broadcaster_user_id": .string(twitchID)], secret: Self.secret, messageID: SignedDelivery.newMessageID(), timestamp: now)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/twitch")
        request.method = .POST
        for (name, value) in delivery.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        let response = try await client.execute(request, timeout: .seconds(20))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// What the router answers itself, and what it passes through unchanged on a kept-alive
    /// client connection: the function's status, body and request id; the client's
    /// `Connection: close`; a body over the limit is a 413 in the JSON error shape, never forwarded.
    @Test func answersItselfAndPassesThroughOnKeptAliveConnections() async throws {
        let company = try TestServices.makeCompany()
        let twitchID = TestServices.uniqueTwitchUserID()
        _ = try TestServices.addCreator(company: company, twitchUserID: twitchID)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        try await withRouter(idleSeconds: 60, maxBodyBytes: 4096) { port, router in
            let health = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
            #expect(health.status.code == 200)
            #expect(String(buffer: try await health.body.collect(upTo: 1024)) == "ok")

            // Ten deliveries in a row on the client's kept-alive connection: each one stored.
            for _ in 0..<10 { #expect(try await post(client, port: port, twitchID: twitchID) == 204) }

            // The function's own answer (a 401 for an unsigned delivery) with the caller's request id.
            var unsigned = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/twitch")
            unsigned.method = .POST
            unsigned.headers.add(name: "x-request-id", value: "router-test-0001")
            unsigned.headers.add(name: "content-type", value: "application/json")
            unsigned.body = .bytes(ByteBuffer(string: "{}"))
            let refused = try await client.execute(unsigned, timeout: .seconds(10))
            #expect(refused.status.code == 403 || refused.status.code == 401)
            #expect(refused.headers.first(name: "x-request-id") == "router-test-0001")
            let refusal = try JSONParser.parse(String(buffer: try await refused.body.collect(upTo: 1 << 16)))
            #expect(refusal["error"]?["code"] != nil)

            // Over the limit: 413 from the router, in the error shape, and the function never saw it.
            var large = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/twitch")
            large.method = .POST
            large.body = .bytes(ByteBuffer(bytes: [UInt8](repeating: 0x61, count: 10_000)))
            let tooLarge = try await client.execute(large, timeout: .seconds(10))
            #expect(tooLarge.status.code == 413)
            let problem = try JSONParser.parse(String(buffer: try await tooLarge.body.collect(upTo: 1 << 16)))
            #expect(problem["error"]?["code"] == "payload_too_large")

            // `Connection: close` from the client is honoured on the answer.
            var closing = HTTPClientRequest(url: "http://127.0.0.1:\(port)/nope")
            closing.headers.add(name: "connection", value: "close")
            let closed = try await client.execute(closing, timeout: .seconds(5))
            #expect(closed.status.code == 404)
            #expect(closed.headers.first(name: "connection")?.lowercased() == "close")
            _ = router
        }
        try await client.shutdown()
        let stored = try TestServices.superuserQuery("SELECT count(*) AS n FROM events WHERE company_id = $1::uuid", [company]).first!.requireInt64("n")
        #expect(stored == 10)
    }

    @Test func coldStartForwardScaleToZeroAndRecoveryFromKill() async throws {
        let company = try TestServices.makeCompany()
        let twitchID = TestServices.uniqueTwitchUserID()
        _ = try TestServices.addCreator(company: company, twitchUserID: twitchID)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        try await withRouter(idleSeconds: 1) { port, router in
            let instance = try #require(router.instances["twitch-webhook"])
            #expect(await instance.isRunning == false)
            #expect(try await post(client, port: port, twitchID: twitchID) == 204)
            #expect(await instance.isRunning)
            #expect(await instance.coldStartsMilliseconds.count == 1)

            // Unknown paths are the router's own 404 in the JSON error shape.
            let missing = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/nope"), timeout: .seconds(5))
            #expect(missing.status.code == 404)

            // Idle for longer than idle-seconds: scaled to zero.
            var waited = 0
            while await instance.isRunning, waited < 50 {
                try await Task.sleep(nanoseconds: 100_000_000)
                waited += 1
            }
            #expect(await instance.isRunning == false)

            // Started again on demand; then killed with SIGKILL and started again by the next request.
            #expect(try await post(client, port: port, twitchID: twitchID) == 204)
            let pid = try #require(await instance.pid)
            kill(pid, SIGKILL)
            try await Task.sleep(nanoseconds: 100_000_000)
            #expect(try await post(client, port: port, twitchID: twitchID) == 204)
            #expect(await instance.coldStartsMilliseconds.count == 3)
        }
        try await client.shutdown()
        let stored = try TestServices.superuserQuery("SELECT count(*) AS n FROM events WHERE company_id = $1::uuid", [company]).first!.requireInt64("n")
        #expect(stored == 3)
    }
}

@Suite struct OperatorCommandTests {
    @Test func createCompanyAndCreatorsWithClearErrors() throws {
        let commands = OperatorCommands(adminURL: try TestServices.adminURL())
        let company = try commands.createCompany(name: "  Operator Agency ")
        let twitchID = TestServices.uniqueTwitchUserID()
        let creator = try commands.addCreator(companyID: company, twitchUserID: twitchID, login: "Some_Login", displayName: nil)
        let row = try TestServices.superuserQuery("SELECT company_id, login FROM creators WHERE id = $1", [creator]).first
        #expect(row?["company_id"] == company)
        #expect(row?["login"] == "some_login")
        #expect(try TestServices.superuserQuery("SELECT name FROM companies WHERE id = $1", [company]).first?["name"] == "Operator Agency")
        #expect(throws: OperatorCommands.Failure.self) { try commands.addCreator(companyID: company, twitchUserID: twitchID, login: "x", displayName: nil) }
        #expect(throws: OperatorCommands.Failure.self) { try commands.addCreator(companyID: "nope", twitchUserID: "1", login: "x", displayName: nil) }
        #expect(throws: OperatorCommands.Failure.self) {
            try commands.addCreator(companyID: "00000000-0000-0000-0000-000000000000", twitchUserID: "1", login: "x", displayName: nil)
        }
        #expect(throws: OperatorCommands.Failure.self) { try commands.addCreator(companyID: company, twitchUserID: "12a", login: "x", displayName: nil) }
        #expect(throws: OperatorCommands.Failure.self) { try commands.createCompany(name: "   ") }
    }
}
