import Access
import AccessTokens
import API
import BlockingIO
import Crypto
import Files
import FunctionServer
import JSONValue
import Keys
import Logging
import Postgres
import Processes
import TestSupport
import Testing

/// Service API keys: created by an admin and shown once, stored as a prefix and a hash, used as a
/// bearer token on the routes its scopes open and on no other, revoked within seconds, expiring,
/// rate limited per key, and attributed in the audit log as `key:<id>`.
@Suite(.serialized) struct APIKeyTests {
    struct CreatedKey {
        let id: String
        let key: String
        let prefix: String
        let json: JSONValue
    }

    static func createKey(_ api: APIHarness, token: String, name: String = "integration", scopes: [String],
                          expiresInDays: Int? = nil) async throws -> CreatedKey {
        var body: [String: JSONValue] = ["name": .string(name), "scopes": .array(scopes.map(JSONValue.string))]
        if let expiresInDays { body["expiresInDays"] = .int(Int64(expiresInDays)) }
        let reply = await api.call("POST", "/api/keys", token: token, body: .object(body))
        try #require(reply.status == 201, "\(reply.json)")
        return CreatedKey(id: try #require(reply.json["id"]?.stringValue), key: try #require(reply.json["key"]?.stringValue),
                          prefix: try #require(reply.json["prefix"]?.stringValue), json: reply.json)
    }

    /// Calls until `status` comes back (at most `seconds`); the time it took, nil if it never did.
    static func secondsUntil(_ status: Int, seconds: Double, _ call: () async -> Int) async throws -> Double? {
        let start = monotonicNanoseconds()
        while Double(monotonicNanoseconds() - start) / 1e9 < seconds {
            if await call() == status { return Double(monotonicNanoseconds() - start) / 1e9 }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return nil
    }

    @Test func createListUseRefuseAndRevoke() async throws {
        // The production cache time: a revocation must reach a key that was just used.
        let api = try APIHarness(keyCacheSeconds: 2)
        let company = try TestServices.makeCompany("Keys: lifecycle")
        let admin = APIHarness.token(company: company, role: .admin)
        let created = try await Self.createKey(api, token: admin, name: "Reporting", scopes: ["creators:read", "events:read"])

        // The key: ccr_ + 12-character prefix + _ + 43 base64url characters, shown once.
        #expect(created.key.utf8.count == 60 && created.key.hasPrefix("ccr_\(created.prefix)_"), "\(created.key)")
        #expect(APIKeyFormat.prefix(of: created.key) == created.prefix)
        #expect(created.json["scopes"] == ["events:read", "creators:read"])
        #expect(created.json["name"] == "Reporting" && created.json["revokedAt"] == .null && created.json["lastUsedAt"] == .null)
        #expect(created.json["expiresAt"] == .null)

        // Listed without the secret; stored as the prefix and the SHA-256 of the whole key only.
        let list = await api.call("GET", "/api/keys", token: admin)
        #expect(list.status == 200)
        let listed = try #require(list.json["data"]?.arrayValue?.first { $0["id"]?.stringValue == created.id })
        #expect(listed["key"] == nil && listed["prefix"]?.stringValue == created.prefix)
        #expect(!list.response.bodyText.contains(String(created.key.dropFirst(17))))
        let stored = try #require(try TestServices.superuserQuery(
            "SELECT encode(secret_hash, 'hex') AS hash, row_to_json(k)::text AS everything FROM api_keys k WHERE id = $1", [created.id]).first)
        #expect(stored["hash"] == Array(SHA256.hash(data: Array(created.key.utf8))).map { String($0, radix: 16).leftPadded(2) }.joined())
        #expect(!(stored["everything"] ?? "").contains(String(created.key.dropFirst(17))), "the secret is stored nowhere")

        // Used as a bearer token on the routes its scopes open.
        let events = await api.call("GET", "/api/events?limit=5", token: created.key)
        #expect(events.status == 200, "\(events.json)")
        #expect(await api.call("GET", "/api/creators", token: created.key).status == 200)

        // A scope it lacks, and routes no key can use (members, key management, /api/me).
        for (method, path, body) in [("POST", "/api/creators", ["login": "someone"] as JSONValue?), ("GET", "/api/audit-logs", nil),
                                     ("GET", "/api/members", nil), ("POST", "/api/members", ["email": "k@example.com", "role": "viewer"]),
                                     ("GET", "/api/keys", nil), ("POST", "/api/keys", ["name": "escalate", "scopes": ["events:read"]]),
                                     ("DELETE", "/api/keys/\(created.id)", nil), ("GET", "/api/me", nil), ("PUT", "/api/branding", ["displayName": "x"])] {
            let reply = await api.call(method, path, token: created.key, body: body)
            #expect(reply.status == 403 && reply.json["error"]?["code"] == "insufficient_scope", "\(method) \(path): \(reply.status) \(reply.json)")
        }
        #expect(try TestServices.superuserQuery("SELECT count(*) AS n FROM api_keys WHERE company_id = $1", [company]).first!.requireInt64("n") == 1)

        // Revoked: refused within the cache time (2 s), though it was used a moment ago.
        #expect(await api.call("GET", "/api/events", token: created.key).status == 200)
        #expect(await api.call("DELETE", "/api/keys/\(created.id)", token: admin).status == 204)
        let refusedAfter = try await Self.secondsUntil(401, seconds: 5) { await api.call("GET", "/api/events", token: created.key).status }
        #expect(refusedAfter.map { $0 < 3 } == true, "a revoked key still worked after \(refusedAfter.map { "\($0) s" } ?? "5 s")")
        let refused = await api.call("GET", "/api/creators", token: created.key)
        #expect(refused.status == 401 && refused.response.header("www-authenticate") == "Bearer", "\(refused.json)")
        #expect(refused.json["error"]?["message"] == "this API key was revoked")
        // Revoking twice: no active key by that id.
        #expect(await api.call("DELETE", "/api/keys/\(created.id)", token: admin).status == 404)
        let after = await api.call("GET", "/api/keys", token: admin).json["data"]?.arrayValue?.first { $0["id"]?.stringValue == created.id }
        #expect(after?["revokedAt"]?.stringValue?.isEmpty == false)

        // Both changes are in the audit log, with the admin as actor and never the secret.
        let audit = try TestServices.superuserQuery("""
            SELECT action, actor_user_id, actor_role, target_id, coalesce(before::text, '') || coalesce(after::text, '') AS body
            FROM audit_logs WHERE company_id = $1 AND target_type = 'api_key' ORDER BY id
            """, [company]).rows
        #expect(audit.map { $0["action"] ?? "" } == ["api_key.create", "api_key.revoke"])
        #expect(audit.allSatisfy { $0["actor_role"] == "admin" && $0["target_id"] == created.id })
        #expect(audit.allSatisfy { !($0["body"] ?? "").contains(String(created.key.dropFirst(17))) && ($0["body"] ?? "").contains(created.prefix) })
        await api.shutdown()
    }

    @Test func onlyAdminsAndOwnersManageKeys() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany("Keys: roles")
        let body: JSONValue = ["name": "nope", "scopes": ["events:read"]]
        for role in [Role.viewer, .operator] {
            #expect(await api.call("GET", "/api/keys", company: company, role: role).status == 403)
            #expect(await api.call("POST", "/api/keys", company: company, role: role, body: body).status == 403)
        }
        let ownerKey = try await Self.createKey(api, token: APIHarness.token(company: company, role: .owner), scopes: ["events:read"])
        #expect(await api.call("DELETE", "/api/keys/\(ownerKey.id)", company: company, role: .operator).status == 403)
        #expect(await api.call("DELETE", "/api/keys/\(ownerKey.id)", company: company, role: .admin).status == 204)
        await api.shutdown()
    }

    @Test func badInputIs422WithTheFieldsNamed() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany("Keys: validation")
        let admin = APIHarness.token(company: company, role: .admin)
        let cases: [(JSONValue, Set<String>)] = [
            (["name": "", "scopes": [], "expiresInDays": 0, "extra": true], ["name", "scopes", "expiresInDays", "extra"]),
            (["scopes": ["events:read"]], ["name"]),
            (["name": "x"], ["scopes"]),
            (["name": "x", "scopes": ["events:read", "events:read"]], ["scopes"]),
            (["name": "x", "scopes": ["events:write"]], ["scopes"]),
            (["name": "x", "scopes": "events:read"], ["scopes"]),
            (["name": .string(String(repeating: "n", count: 101)), "scopes": ["events:read"], "expiresInDays": 3651], ["name", "expiresInDays"]),
            (["name": "x", "scopes": ["events:read"], "expiresInDays": 1.5], ["expiresInDays"]),
            (["name": "x\u{0}", "scopes": ["events:read"]], ["name"]),
        ]
        for (body, fields) in cases {
            let reply = await api.call("POST", "/api/keys", token: admin, body: body)
            #expect(reply.status == 422, "\(body) → \(reply.status)")
            #expect(Set(reply.json["error"]?["fields"]?.objectValue?.keys.map { $0 } ?? []) == fields, "\(body) → \(reply.json)")
        }
        #expect(await api.call("DELETE", "/api/keys/not-a-uuid", token: admin).status == 404)
        #expect(try TestServices.superuserQuery("SELECT count(*) AS n FROM api_keys WHERE company_id = $1", [company]).first!.requireInt64("n") == 0)
        // Every known scope at once, an expiry, and a null expiry are fine.
        let all = try await Self.createKey(api, token: admin, name: "everything", scopes: APIScope.all.reversed(), expiresInDays: 90)
        #expect(all.json["scopes"]?.arrayValue?.compactMap(\.stringValue) == APIScope.all)
        #expect(all.json["expiresAt"]?.stringValue?.isEmpty == false)
        let noExpiry = await api.call("POST", "/api/keys", token: admin, body: ["name": "forever", "scopes": ["audit:read"], "expiresInDays": .null])
        #expect(noExpiry.status == 201 && noExpiry.json["expiresAt"] == .null)
        await api.shutdown()
    }

    @Test func malformedUnknownAndWrongSecretAre401() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany("Keys: wrong")
        let real = try await Self.createKey(api, token: APIHarness.token(company: company, role: .admin), scopes: ["events:read"])
        let forged = "ccr_\(real.prefix)_" + String(repeating: "A", count: 43)
        let unknown = APIKeyFormat.generate().key
        for key in ["ccr_", "ccr_short", String(real.key.dropLast()), real.key + "x", forged, unknown, "ccr_\(real.prefix.uppercased())_" + real.key.suffix(43)] {
            let reply = await api.call("GET", "/api/events", token: key)
            #expect(reply.status == 401 && reply.json["error"]?["message"] == "invalid API key", "\(key): \(reply.status) \(reply.json)")
        }
        #expect(await api.call("GET", "/api/events", token: real.key).status == 200)
        await api.shutdown()
    }

    @Test func anExpiredKeyIsRefused() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany("Keys: expiry")
        let created = try await Self.createKey(api, token: APIHarness.token(company: company, role: .admin), scopes: ["events:read"], expiresInDays: 1)
        #expect(await api.call("GET", "/api/events", token: created.key).status == 200)
        _ = try TestServices.superuserQuery("""
            UPDATE api_keys SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE id = $1
            """, [created.id])
        let reply = await api.call("GET", "/api/events", token: created.key)
        #expect(reply.status == 401 && reply.json["error"]?["message"] == "this API key has expired", "\(reply.json)")
        await api.shutdown()
    }

    @Test func anotherCompanysKeyIsInvisible() async throws {
        let api = try APIHarness()
        let mine = try TestServices.makeCompany("Keys: mine")
        let theirs = try TestServices.makeCompany("Keys: theirs")
        let theirKey = try await Self.createKey(api, token: APIHarness.token(company: theirs, role: .owner), scopes: ["events:read"])
        let myAdmin = APIHarness.token(company: mine, role: .admin)
        #expect(await api.call("DELETE", "/api/keys/\(theirKey.id)", token: myAdmin).status == 404)
        #expect(await api.call("GET", "/api/keys", token: myAdmin).json["data"] == .array([]))
        #expect(await api.call("GET", "/api/events", token: theirKey.key).status == 200, "still active")
        // A key reads its own company only.
        let myCreator = try TestServices.addCreator(company: mine, twitchUserID: TestServices.uniqueTwitchUserID(), login: "mine")
        let readKey = try await Self.createKey(api, token: APIHarness.token(company: theirs, role: .owner), scopes: ["creators:read"])
        #expect(await api.call("GET", "/api/creators/\(myCreator)", token: readKey.key).status == 404)
        await api.shutdown()
    }

    @Test func eachKeyHasItsOwnRateLimit() async throws {
        let api = try APIHarness(keyRateLimitPerMinute: 5)
        let company = try TestServices.makeCompany("Keys: rate")
        let admin = APIHarness.token(company: company, role: .admin)
        let limited = try await Self.createKey(api, token: admin, scopes: ["events:read"])
        let other = try await Self.createKey(api, token: admin, scopes: ["events:read"])
        // The budget is a fixed one-minute window: start well inside one.
        let second = Int(wallClockSeconds()) % 60
        if second >= 55 { try await Task.sleep(nanoseconds: UInt64(61 - second) * 1_000_000_000) }
        var statuses: [Int] = []
        for _ in 0..<6 { statuses.append(await api.call("GET", "/api/events", token: limited.key).status) }
        #expect(statuses == [200, 200, 200, 200, 200, 429], "\(statuses)")
        let last = await api.call("GET", "/api/events", token: limited.key)
        #expect(last.status == 429 && last.json["error"]?["code"] == "rate_limited" && last.response.header("retry-after") != nil)
        #expect(last.json["error"]?["message"] == "too many requests for this API key; retry later")
        #expect(await api.call("GET", "/api/events", token: other.key).status == 200, "another key of the same company")
        #expect(await api.call("GET", "/api/keys", token: admin).status == 200, "members are not held to a key's budget")
        await api.shutdown()
    }

    /// Every use of a key is attributable: changes write audit rows naming `key:<id>` (role
    /// `api_key`), reads are logged with it, and the key's last use is recorded.
    @Test func usesAreAttributedToTheKey() async throws {
        let api = try APIHarness(twitch: AnyLoginResolves())
        let company = try TestServices.makeCompany("Keys: audit")
        let owner = APIHarness.token(company: company, role: .owner)
        let writer = try await Self.createKey(api, token: owner, name: "provisioning", scopes: ["creators:read", "creators:write"])
        let added = await api.call("POST", "/api/creators", token: writer.key, body: ["login": "keyed_creator"])
        #expect(added.status == 201, "\(added.json)")
        let creator = try #require(added.json["id"]?.stringValue)
        #expect(await api.call("PATCH", "/api/creators/\(creator)", token: writer.key, body: ["notes": "from a key"]).status == 200)

        let rows = try TestServices.superuserQuery("""
            SELECT action, actor_user_id, actor_role, request_id FROM audit_logs
            WHERE company_id = $1 AND target_type = 'creator' ORDER BY id
            """, [company]).rows
        #expect(rows.map { $0["action"] ?? "" } == ["creator.add", "creator.update"])
        #expect(rows.allSatisfy { $0["actor_user_id"] == "key:\(writer.id)" && $0["actor_role"] == "api_key" && $0["request_id"] != nil })
        let filtered = await api.call("GET", "/api/audit-logs?actor=key:\(writer.id)", token: owner)
        #expect(filtered.json["data"]?.arrayValue?.count == 2, "\(filtered.json)")

        let lastUsed = try TestServices.superuserQuery("SELECT last_used_at > now() - interval '1 minute' AS recent FROM api_keys WHERE id = $1",
                                                       [writer.id]).first
        #expect(lastUsed?.bool("recent") == true)
        let listed = await api.call("GET", "/api/keys", token: owner).json["data"]?.arrayValue?.first { $0["id"]?.stringValue == writer.id }
        #expect(listed?["lastUsedAt"]?.stringValue?.isEmpty == false)
        #expect(listed?["createdBy"]?.stringValue?.isEmpty == false)
        await api.shutdown()
    }

    /// The schema holds what the code promises: a forced tenant table, no hash readable by the
    /// app role, nothing but revocation writable, and a cross-tenant lookup that returns only
    /// what authentication needs.
    @Test func theTableKeepsHashesFromTheAppRole() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany("Keys: schema")
        let created = try await Self.createKey(api, token: APIHarness.token(company: company, role: .admin), scopes: ["events:read"])
        await api.shutdown()
        let table = try #require(try TestServices.superuserQuery(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'api_keys'").first)
        #expect(table.bool("relrowsecurity") == true && table.bool("relforcerowsecurity") == true)

        let app = try PostgresConnection(url: try TestServices.databaseURL())
        #expect(try app.query("SELECT count(*) AS n FROM api_keys").first!.requireInt64("n") == 0, "no tenant scope, no rows")
        for statement in ["SELECT secret_hash FROM api_keys", "UPDATE api_keys SET name = 'renamed'", "UPDATE api_keys SET scopes = '{members:read}'",
                          "DELETE FROM api_keys", "UPDATE api_keys SET last_used_at = now()"] {
            do {
                _ = try app.withTenantScope(companyId: company) { try app.query(statement) }
                Issue.record("the app role could run: \(statement)")
            } catch let error as PostgresError {
                #expect(error.sqlState == "42501", "\(statement): \(error)")
            }
        }
        let visible = try app.withTenantScope(companyId: company) { try app.query("SELECT prefix FROM api_keys").rows.map { $0["prefix"] } }
        #expect(visible == [created.prefix])
        let lookup = try app.query("SELECT * FROM api_key_by_prefix($1)", [created.prefix])
        #expect(Set(lookup.columns) == ["id", "company_id", "secret_hash", "scopes", "expires_at", "revoked_at"])
        #expect(lookup.rows.count == 1)
        // Scopes are checked by the table too.
        do {
            _ = try TestServices.superuserQuery("UPDATE api_keys SET scopes = '{events:write}' WHERE id = $1", [created.id])
            Issue.record("an unknown scope was stored")
        } catch let error as PostgresError {
            #expect(error.sqlState == "23514", "\(error)")
        }
    }

    /// Every scope a route names is a known one, every known scope opens some route, and the
    /// document's list is the same.
    @Test func scopesAreDeclaredOnceAndDocumented() throws {
        let api = try APIHarness()
        let routes = api.server.function.routes
        let used = Set(routes.compactMap(\.scope))
        #expect(used == Set(APIScope.all))
        // Reads need a read scope, changes a write scope.
        for route in routes where route.scope != nil {
            #expect(route.scope!.hasSuffix(route.method == "GET" ? ":read" : ":write"), "\(route.method) \(route.pattern): \(route.scope!)")
        }
        #expect(routes.filter { $0.pattern.hasPrefix("/api/keys") }.allSatisfy { $0.scope == nil }, "keys cannot manage keys")
        let document = try JSONParser.parse(OpenAPIDocument.json)
        let documented = document["components"]?["schemas"]?["APIKeyScope"]?["enum"]?.arrayValue?.compactMap(\.stringValue)
        #expect(documented == APIScope.all)
        let description = document["components"]?["schemas"]?["APIKeyScope"]?["description"]?.stringValue ?? ""
        for route in routes where route.scope != nil {
            #expect(description.contains(route.scope!) && description.contains(route.openAPIPath), "\(route.method) \(route.openAPIPath)")
        }
    }

    /// An API key used with real `curl` against the function served over HTTP, then revoked.
    @Test func curlUsesAKeyUntilItIsRevoked() async throws {
        let curl = ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"].first(where: FileSystem.exists)
        guard try Prerequisite.available(curl == nil ? "curl is not installed" : nil) else { return }
        let api = try APIHarness(keyCacheSeconds: 2)
        let port = try Ports.freeServerPort()
        var logger = Logger(label: "api-key-curl")
        logger.logLevel = .critical // Hummingbird reports the cancellation that stops it as an error
        let server = HTTPFunctionServer(function: api.server.function, logger: logger)
        let serving = Task { try await server.run(host: "127.0.0.1", port: port) }
        defer { serving.cancel() }
        while !Ports.isAccepting(port: port) { try await Task.sleep(nanoseconds: 5_000_000) }
        let scratch = try FileSystem.temporaryDirectory(prefix: "ccr-api-key-curl")
        defer { FileSystem.removeTree(scratch) }

        /// `curl` → (HTTP status, body).
        func run(_ arguments: [String]) async throws -> (Int, JSONValue) {
            let output = scratch + "/curl-\(UInt32.random(in: 0...UInt32.max)).out"
            let status = try await ChildProcess.run(curl!, ["-sS", "-w", "\n%{http_code}"] + arguments, environment: ["PATH": "/usr/bin:/bin"],
                                                    outputPath: output)
            let text = FileSystem.readText(output) ?? ""
            #expect(status == 0, "curl \(arguments): \(text)")
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let body = lines.dropLast().joined(separator: "\n")
            return (Int(lines.last ?? "") ?? 0, (try? JSONParser.parse(Array(body.utf8))) ?? .null)
        }
        let base = "http://127.0.0.1:\(port)"
        let company = try TestServices.makeCompany("Keys: curl")
        _ = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID(), login: "curled")
        let admin = APIHarness.token(company: company, role: .admin)

        let (createdStatus, created) = try await run(["-H", "Authorization: Bearer \(admin)", "-H", "Content-Type: application/json",
                                                      "-d", #"{"name":"curl","scopes":["creators:read","events:read"]}"#, base + "/api/keys"])
        #expect(createdStatus == 201, "\(created)")
        let key = try #require(created["key"]?.stringValue)
        let id = try #require(created["id"]?.stringValue)

        let (creatorsStatus, creators) = try await run(["-H", "Authorization: Bearer \(key)", base + "/api/creators"])
        #expect(creatorsStatus == 200 && creators["data"]?.arrayValue?.first?["login"] == "curled", "\(creators)")
        #expect(try await run(["-H", "Authorization: Bearer \(key)", base + "/api/events?limit=5"]).0 == 200)
        #expect(try await run(["-H", "Authorization: Bearer \(key)", base + "/api/members"]).0 == 403)

        #expect(try await run(["-X", "DELETE", "-H", "Authorization: Bearer \(admin)", base + "/api/keys/\(id)"]).0 == 204)
        var refused: (Int, JSONValue) = (0, .null)
        let revokedAt = monotonicNanoseconds()
        while Double(monotonicNanoseconds() - revokedAt) / 1e9 < 5 {
            refused = try await run(["-H", "Authorization: Bearer \(key)", base + "/api/creators"])
            if refused.0 == 401 { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let seconds = Double(monotonicNanoseconds() - revokedAt) / 1e9
        #expect(refused.0 == 401 && seconds < 3, "after \(seconds) s: \(refused)")
        #expect(refused.1["error"]?["code"] == "unauthorized")
        serving.cancel()
        _ = await serving.result
        await api.shutdown()
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
