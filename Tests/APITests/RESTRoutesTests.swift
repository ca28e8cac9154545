import FunctionServer
import Files
import BlockingIO
import API
import Account
import Auth
import Creators
import Events
import Keys
import LocalRunner
import Members
import Notifications
import Router
import AccessTokens
import JSONValue
import Postgres
import TestSupport
import Testing

@Suite(.serialized) struct RESTRoutesTests {
    /// Stores events straight through the app role (as the webhook would), for read tests.
    static func insertEvents(company: String, creator: String?, count: Int, type: String = "channel.follow") throws -> [Int64] {
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        return try connection.withTenantScope(companyId: company) {
            try (0..<count).map { index in
                try connection.query("""
                    INSERT INTO events (company_id, creator_id, twitch_message_id, subscription_type, subscription_version, occurred_at, payload)
                    VALUES ($1, $2::uuid, $3, $4, '1', now(), '{}') RETURNING id
                    """, [company, creator, "msg-\(company)-\(index)-\(UInt32.random(in: 0...UInt32.max))", type]).first!.requireInt64("id")
            }
        }
    }

    static func auditCount(_ company: String, action: String) throws -> Int64 {
        try TestServices.superuserQuery("SELECT count(*) AS n FROM audit_logs WHERE company_id = $1 AND action = $2", [company, action])
            .first!.requireInt64("n")
    }

    @Test func missingOrBadTokenIs401() async throws {
        let api = try APIHarness()
        let reply = await api.call("GET", "/api/events", token: nil)
        #expect(reply.status == 401)
        #expect(reply.json["error"]?["code"] == "unauthorized")
        #expect(reply.json["error"]?["requestId"]?.stringValue?.isEmpty == false)
        #expect(reply.response.header("www-authenticate") == "Bearer")
        #expect(await api.call("GET", "/api/events", token: "garbage").status == 401)
        #expect(await api.call("GET", "/api/nope", token: nil).status == 404)
        #expect(await api.call("DELETE", "/api/events", token: nil).status == 405)
        await api.shutdown()
    }

    /// Per route: the least role it needs, every role below is 403 and nothing changes.
    @Test func roleMatrix() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany()
        let creator = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID())
        let member = "00000000-0000-4000-8000-000000000001"
        let cases: [(String, String, JSONValue?, Role)] = [
            ("GET", "/api/me", nil, .viewer), ("GET", "/api/branding", nil, .viewer),
            ("PUT", "/api/branding", ["primaryColor": "#112233"], .admin),
            ("POST", "/api/branding/logo-upload-url", ["contentType": "image/png"], .admin),
            ("GET", "/api/members", nil, .viewer), ("POST", "/api/members", ["email": "x@example.com", "role": "viewer"], .admin),
            ("PATCH", "/api/members/\(member)", ["role": "viewer"], .admin), ("DELETE", "/api/members/\(member)", nil, .admin),
            ("GET", "/api/creators", nil, .viewer), ("POST", "/api/creators", ["login": "someone"], .operator),
            ("PATCH", "/api/creators/\(creator)", ["notes": "x"], .operator), ("DELETE", "/api/creators/\(creator)", nil, .operator),
            ("GET", "/api/events", nil, .viewer), ("GET", "/api/audit-logs", nil, .viewer),
        ]
        for (method, path, body, minimum) in cases {
            for role in Role.allCases where role < minimum {
                let reply = await api.call(method, path, company: company, role: role, body: body)
                #expect(reply.status == 403, "\(role) \(method) \(path) → \(reply.status)")
            }
            let allowed = await api.call(method, path, company: company, role: minimum, body: body)
            #expect(allowed.status != 403 && allowed.status != 401, "\(minimum) \(method) \(path) → \(allowed.status)")
        }
        await api.shutdown()
    }

    @Test func crossTenantReadsAndWritesAre404AndChangeNothing() async throws {
        let api = try APIHarness()
        let mine = try TestServices.makeCompany("Mine")
        let theirs = try TestServices.makeCompany("Theirs")
        let theirCreator = try TestServices.addCreator(company: theirs, twitchUserID: TestServices.uniqueTwitchUserID(), login: "theirs")
        let theirEvent = try Self.insertEvents(company: theirs, creator: theirCreator, count: 1)[0]
        let added = await api.call("POST", "/api/members", company: theirs, role: .owner, body: ["email": "them@example.com", "role": "viewer"])
        let theirMember = try #require(added.json["userId"]?.stringValue)

        for (method, path, body) in [
            ("GET", "/api/creators/\(theirCreator)", nil), ("PATCH", "/api/creators/\(theirCreator)", ["notes": "pwned"] as JSONValue?),
            ("DELETE", "/api/creators/\(theirCreator)", nil), ("GET", "/api/events/\(theirEvent)", nil),
            ("PATCH", "/api/members/\(theirMember)", ["role": "admin"]), ("DELETE", "/api/members/\(theirMember)", nil),
        ] {
            let reply = await api.call(method, path, company: mine, role: .owner, body: body)
            #expect(reply.status == 404, "\(method) \(path) → \(reply.status)")
        }
        let list = await api.call("GET", "/api/events?creator=\(theirCreator)", company: mine, role: .owner)
        #expect(list.json["data"]?.arrayValue?.isEmpty == true)
        #expect(try TestServices.superuserQuery("SELECT notes FROM creators WHERE id = $1", [theirCreator]).first?["notes"] == "")
        #expect(try TestServices.superuserQuery("SELECT role FROM memberships WHERE user_id = $1", [theirMember]).first?["role"] == "viewer")
        #expect(try Self.auditCount(mine, action: "creator.update") == 0)
        await api.shutdown()
    }

    @Test func mutationsWriteOneAuditRowAndFailuresNone() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany()
        let creator = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID())
        let update = await api.call("PATCH", "/api/creators/\(creator)", company: company, role: .operator,
                                    body: ["topics": ["speedrun", "art"], "notes": "weekly"])
        #expect(update.status == 200)
        #expect(update.json["topics"] == ["speedrun", "art"])
        #expect(try Self.auditCount(company, action: "creator.update") == 1)
        // Failed mutations leave no audit row: validation, forbidden, not found.
        #expect(await api.call("PATCH", "/api/creators/\(creator)", company: company, role: .operator, body: ["topics": "nope"]).status == 422)
        #expect(await api.call("PATCH", "/api/creators/\(creator)", company: company, role: .viewer, body: ["notes": "x"]).status == 403)
        #expect(await api.call("PATCH", "/api/creators/00000000-0000-4000-8000-00000000abcd", company: company, role: .operator,
                               body: ["notes": "x"]).status == 404)
        #expect(try Self.auditCount(company, action: "creator.update") == 1)

        let logs = await api.call("GET", "/api/audit-logs?action=creator.update", company: company, role: .viewer)
        let row = try #require(logs.json["data"]?.arrayValue?.first)
        #expect(row["targetId"] == .string(creator))
        #expect(row["before"]?["notes"] == "")
        #expect(row["after"]?["notes"] == "weekly")
        #expect(row["actorRole"] == "operator")
        #expect(row["ip"] == "203.0.113.7")
        #expect(row["userAgent"] == "api-tests")
        #expect(row["requestId"]?.stringValue?.isEmpty == false)

        // Append-only for the app role.
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        try app.withTenantScope(companyId: company) {
            for statement in ["UPDATE audit_logs SET action = 'x'", "DELETE FROM audit_logs"] {
                do {
                    try app.execute(script: statement)
                    Issue.record("app role could run \(statement)")
                } catch let error as PostgresError {
                    #expect(error.sqlState == "42501")
                }
                try app.query("ROLLBACK")
                try app.query("BEGIN")
                try app.setTenant(company)
            }
        }
        await api.shutdown()
    }

    @Test func membersRules() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany()
        // Memberships are the source of truth: the acting owner and admin are real members.
        let ownerID = try TestServices.addMember(company: company, email: "boss@example.com", role: "owner")
        let boss = try APIHarness.signer.token(subject: ownerID, companyID: company, role: .owner, now: wallClockSeconds())
        let added = await api.call("POST", "/api/members", token: boss, body: ["email": "Deputy@Example.com", "role": "viewer"])
        #expect(added.status == 201)
        #expect(added.json["email"] == "deputy@example.com")
        #expect(await api.call("POST", "/api/members", token: boss, body: ["email": "boss@example.com", "role": "viewer"]).status == 409)
        #expect(await api.call("POST", "/api/members", company: company, role: .admin, body: ["email": "a2@example.com", "role": "admin"]).status == 403)
        #expect(await api.call("POST", "/api/members", company: company, role: .admin, body: ["email": "bad", "role": "viewer"]).status == 422)
        let op = await api.call("POST", "/api/members", company: company, role: .admin, body: ["email": "op@example.com", "role": "operator"])
        #expect(op.status == 201)
        // An admin cannot remove or demote an owner; the last owner cannot go.
        #expect(await api.call("DELETE", "/api/members/\(ownerID)", company: company, role: .admin).status == 403)
        #expect(await api.call("PATCH", "/api/members/\(ownerID)", token: boss, body: ["role": "admin"]).status == 409)
        #expect(await api.call("DELETE", "/api/members/\(ownerID)", token: boss).status == 409)
        // The same email in another company is a separate membership of the same user.
        let other = try TestServices.makeCompany()
        let otherOwner = try TestServices.addMember(company: other, email: "other-owner@example.com", role: "owner")
        let otherToken = try APIHarness.signer.token(subject: otherOwner, companyID: other, role: .owner, now: wallClockSeconds())
        #expect(await api.call("POST", "/api/members", token: otherToken, body: ["email": "boss@example.com", "role": "viewer"]).status == 201)
        let listed = await api.call("GET", "/api/members", token: otherToken)
        #expect(Set(listed.json["data"]?.arrayValue?.compactMap { $0["email"]?.stringValue } ?? []) == ["other-owner@example.com", "boss@example.com"])
        #expect(await api.call("DELETE", "/api/members/\(op.json["userId"]!.stringValue!)", company: company, role: .admin).status == 204)
        #expect(try Self.auditCount(company, action: "member.add") == 2)
        #expect(try Self.auditCount(company, action: "member.remove") == 1)
        await api.shutdown()
    }

    @Test func brandingValidationAndMe() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany("Brand Co")
        let bad = await api.call("PUT", "/api/branding", company: company, role: .admin,
                                 body: ["primaryColor": "red", "accentColor": "#12345g", "logoKey": "not-a-key.png", "extra": 1])
        #expect(bad.status == 422)
        #expect(Set(bad.json["error"]?["fields"]?.objectValue?.keys.map { $0 } ?? []) == ["primaryColor", "accentColor", "logoKey", "extra"])
        // A key of the right shape that this company was never given refers to nothing (the
        // document cannot name the company in a pattern, so this is not a validation error).
        let foreign = await api.call("PUT", "/api/branding", company: company, role: .admin, body: ["logoKey": "companies/other/branding/x.png"])
        #expect(foreign.status == 404)
        let good = await api.call("PUT", "/api/branding", company: company, role: .admin, body: ["primaryColor": "#AA00ff", "displayName": "Brand!"])
        #expect(good.status == 200)
        #expect(good.json["primaryColor"] == "#aa00ff")
        let me = await api.call("GET", "/api/me", company: company, role: .viewer)
        #expect(me.json["company"]?["name"] == "Brand Co")
        #expect(me.json["branding"]?["displayName"] == "Brand!")
        #expect(me.json["role"] == "viewer")
        await api.shutdown()
    }

    @Test func eventPaginationIsStableUnderConcurrentInserts() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany()
        let creator = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID())
        let initial = try Self.insertEvents(company: company, creator: creator, count: 25)
        var seen: [Int64] = []
        var target = "/api/events?limit=10"
        var pages = 0
        while pages < 10 {
            let reply = await api.call("GET", target, company: company, role: .viewer)
            #expect(reply.status == 200)
            seen += reply.json["data"]?.arrayValue?.compactMap { $0["id"]?.int64Value } ?? []
            // New events arrive between pages; they must not shift or duplicate older pages.
            _ = try Self.insertEvents(company: company, creator: creator, count: 3)
            pages += 1
            guard let before = reply.json["next"]?["before"]?.int64Value else { break }
            target = "/api/events?limit=10&before=\(before)"
        }
        #expect(seen == initial.reversed())
        // Catch-up: after=<id> returns newer events oldest first.
        let newer = await api.call("GET", "/api/events?after=\(initial.last!)&limit=500", company: company, role: .viewer)
        let ids = newer.json["data"]?.arrayValue?.compactMap { $0["id"]?.int64Value } ?? []
        #expect(ids == ids.sorted())
        #expect(ids.count == 3 * pages)
        // Filters and validation.
        _ = try Self.insertEvents(company: company, creator: creator, count: 2, type: "stream.online")
        let online = await api.call("GET", "/api/events?type=stream.online,stream.offline&creator=\(creator)", company: company, role: .viewer)
        #expect(online.json["data"]?.arrayValue?.count == 2)
        let invalid = await api.call("GET", "/api/events?limit=501&since=yesterday&creator=x", company: company, role: .viewer)
        #expect(invalid.status == 422)
        #expect(Set(invalid.json["error"]?["fields"]?.objectValue?.keys.map { $0 } ?? []) == ["limit", "since", "creator"])
        // The cursor object admits only before and after (found by schemathesis: an unknown name was ignored).
        let unknown = await api.call("GET", "/api/events?limit=5&befor=3", company: company, role: .viewer)
        #expect(unknown.status == 422)
        #expect(unknown.json["error"]?["fields"]?["query"]?.stringValue?.contains("\"befor\"") == true)
        await api.shutdown()
    }

    @Test func perTenantRateLimit() async throws {
        let api = try APIHarness(rateLimitPerMinute: 5)
        let limited = try TestServices.makeCompany()
        let other = try TestServices.makeCompany()
        var statuses: [Int] = []
        for _ in 0..<7 { statuses.append(await api.call("GET", "/api/events", company: limited, role: .viewer).status) }
        #expect(statuses.filter { $0 == 200 }.count == 5 || statuses.suffix(2).allSatisfy { $0 == 429 })
        let last = await api.call("GET", "/api/events", company: limited, role: .viewer)
        #expect(last.status == 429)
        #expect(last.json["error"]?["code"] == "rate_limited")
        #expect(last.response.header("retry-after") != nil)
        #expect(await api.call("GET", "/api/events", company: other, role: .viewer).status == 200)
        await api.shutdown()
    }

    /// Any RFC 3339 time is a valid filter bound, also one whose offset puts it before year 1 or
    /// after 9999 (schemathesis found the 500 this was).
    @Test func timeFiltersAtTheEdgesOfTheCalendar() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany()
        for query in ["since=0001-01-01T00:00:00%2B15:29", "until=0001-01-01T00:00:00.0%2B00:58", "until=9999-12-31T23:59:59-15:00",
                      "since=9999-12-31T23:59:59-00:01"] {
            let reply = await api.call("GET", "/api/events?\(query)", company: company, role: .viewer)
            #expect(reply.status == 200, "\(query) → \(reply.status) \(reply.json)")
        }
        await api.shutdown()
    }

    /// Every operation behind a token states the answers every such operation can give, and
    /// every one that takes a body the answers a body can get.
    @Test func everyOperationDocumentsTheSharedAnswers() throws {
        let document = try JSONParser.parse(OpenAPIDocument.json)
        for (path, item) in try #require(document["paths"]?.objectValue) {
            for method in ["get", "put", "post", "patch", "delete"] {
                guard let operation = item[method], operation["operationId"]?.stringValue != "getOpenAPI" else { continue }
                // The auth function's routes (browser sign-in flows and the session) state their own answers.
                if operation["tags"]?.arrayValue?.contains("auth") == true { continue }
                let codes = Set(operation["responses"]?.objectValue?.keys.map { $0 } ?? [])
                #expect(codes.isSuperset(of: ["401", "403", "429", "503"]), "\(method) \(path): \(codes.sorted())")
                if operation["requestBody"] != nil {
                    #expect(codes.isSuperset(of: ["400", "413", "422"]), "\(method) \(path): \(codes.sorted())")
                }
            }
        }
    }

    @Test func openAPIDocumentDescribesExactlyTheServedRoutes() throws {
        let document = try JSONParser.parse(OpenAPIDocument.json)
        let paths = try #require(document["paths"]?.objectValue)
        var described: Set<String> = []
        for (path, item) in paths {
            for method in ["get", "put", "post", "patch", "delete"] where item[method] != nil { described.insert("\(method.uppercased()) \(path)") }
        }
        let api = try APIHarness()
        var served = Set(api.server.function.routes.map { "\($0.method) \($0.openAPIPath)" })
        served.insert("GET /api/openapi.json")
        served.formUnion(AuthFunction.routes)
        #expect(described == served, "described only: \(described.subtracting(served)); served only: \(served.subtracting(described))")
    }
}

@Suite struct RouteTableCoversOpenAPITests {
    /// Every path the OpenAPI document describes is routed by infra/routes.json to the function
    /// that serves it, and every /api route of the table leads to documented paths.
    @Test func routerTableAndOpenAPIAgree() throws {
        let root = SharedResearch.repositoryRoot()
        let table = try RouteTable(json: try #require(FileSystem.readText(root + "/infra/routes.json")))
        let database = TenantDatabase(pool: PostgresPool(url: "postgresql://unused@127.0.0.1:1/x", size: 1))
        let served: [String: [APIRoute]] = [
            "account": AccountRoutes(database: database, logos: NoLogos()).routes,
            "members": MembersRoutes(database: database).routes + InvitationsRoutes(database: database).routes,
            "creators": CreatorsRoutes(database: database, twitch: NoTwitch()).routes,
            "keys": KeysRoutes(database: database).routes,
            "notifications": NotificationsRoutes(database: database, keys: APIHarness.sealingKeys, urlRules: DestinationURLRules(), redis: nil).routes,
            "events": EventsRoutes(database: database).routes + ArchivesRoutes(database: database, signer: APIHarness.archiveSigner).routes,
        ]
        let paths = try #require(try JSONParser.parse(OpenAPIDocument.json)["paths"]?.objectValue)
        for path in paths.keys {
            let concrete = path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{userId}", with: "1")
                .replacingOccurrences(of: "{provider}", with: "1")
            let route = try #require(table.route(for: concrete), "no route in infra/routes.json for \(path)")
            if AuthFunction.routes.contains(where: { $0.hasSuffix(" " + path) }) {
                #expect(route.function == "auth", "\(path) is routed to \(route.function)")
                continue
            }
            if path == "/api/openapi.json" {
                #expect(route.function == "account")
                continue
            }
            #expect(served[route.function]?.contains { $0.openAPIPath == path } == true, "\(path) is routed to \(route.function), which does not serve it")
        }
        for route in table.routes where route.prefix.hasPrefix("/api") {
            #expect(paths.keys.contains { $0 == route.prefix || $0.hasPrefix(route.prefix + "/") }, "\(route.prefix) has no documented path")
        }
    }
}
