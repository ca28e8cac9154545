import Postgres
import ObjectStoreStandIn
import Files
import API
import Account
import AccessTokens
import BlockingIO
import Creators
import JSONValue
import Logging
import ObjectStore
import TestSupport
import Testing
import TwitchAPI
import TwitchStandIn
import LocalRunner
import Processes

@Suite(.serialized) struct CreatorsThroughTwitchStandInTests {
    /// The real Helix client against the local Twitch stand-in on a loopback port.
    static func withStandIn(_ body: (TwitchStandInServer, HelixUserLookup) async throws -> Void) async throws {
        let server = TwitchStandInServer(configuration: StandInConfiguration(createsUnknownLogins: false), logger: Logger(label: "stand-in"))
        try await server.withRunning { port in
            let lookup = HelixUserLookup(client: HelixClient(configuration: HelixConfiguration(
                clientID: StandInConfiguration.defaultClientID, clientSecret: StandInConfiguration.defaultClientSecret,
                apiBaseURL: "http://127.0.0.1:\(port)/helix", authBaseURL: "http://127.0.0.1:\(port)/oauth2")))
            try await body(server, lookup)
        }
    }

    @Test func addByLoginResolvesThroughHelixAndIsTenantIsolated() async throws {
        try await Self.withStandIn { server, lookup in
            let login = "creator_\(UInt32.random(in: 0...UInt32.max))"
            let user = try server.state.addUser(login: login, displayName: "Creator Display")
            let api = try APIHarness(twitch: lookup)
            let a = try TestServices.makeCompany()
            let b = try TestServices.makeCompany()
            let created = await api.call("POST", "/api/creators", company: a, role: .operator, body: ["login": .string(login.uppercased()), "topics": ["irl"]])
            #expect(created.status == 201)
            #expect(created.json["twitchUserId"] == .string(user.id))
            #expect(created.json["displayName"] == "Creator Display")
            #expect(created.json["status"]?["live"] == false)
            #expect(await api.call("POST", "/api/creators", company: a, role: .operator, body: ["login": .string(login)]).status == 409)
            // Another company may track the same Twitch user, fully isolated.
            let other = await api.call("POST", "/api/creators", company: b, role: .admin, body: ["login": .string(login)])
            #expect(other.status == 201)
            #expect(other.json["id"] != created.json["id"])
            let listA = await api.call("GET", "/api/creators", company: a, role: .viewer)
            #expect(listA.json["data"]?.arrayValue?.map { $0["id"] } == [created.json["id"]])
            // Unknown on Twitch → 422 naming the field.
            let unknown = await api.call("POST", "/api/creators", company: a, role: .operator, body: ["login": "nobody_here_at_all"])
            #expect(unknown.status == 422)
            #expect(unknown.json["error"]?["fields"]?["login"] != nil)
            // Removing is audited and tenant-scoped.
            let id = try #require(created.json["id"]?.stringValue)
            #expect(await api.call("DELETE", "/api/creators/\(id)", company: b, role: .owner).status == 404)
            #expect(await api.call("DELETE", "/api/creators/\(id)", company: a, role: .operator).status == 204)
            #expect(try RESTRoutesTests.auditCount(a, action: "creator.remove") == 1)
            await api.shutdown()
        }
    }

    @Test func twitchDownIs502AndNothingStored() async throws {
        let lookup = HelixUserLookup(client: HelixClient(configuration: HelixConfiguration(
            clientID: "x", clientSecret: "y", apiBaseURL: "http://127.0.0.1:1/helix", authBaseURL: "http://127.0.0.1:1/oauth2",
            requestTimeoutSeconds: 2)))
        let api = try APIHarness(twitch: lookup)
        let company = try TestServices.makeCompany()
        let reply = await api.call("POST", "/api/creators", company: company, role: .operator, body: ["login": "whoever"])
        #expect(reply.status == 502)
        #expect(try TestServices.superuserQuery("SELECT count(*) AS n FROM creators WHERE company_id = $1", [company]).first!.requireInt64("n") == 0)
        await api.shutdown()
    }
}

@Suite struct LogoUploadTests {
    /// Pre-signed URL from the branding route, then the upload checked the way S3 checks it (the
    /// local store's verifier): accepted within expiry; refused after it, or with a changed key or
    /// content type.
    @Test func presignedLogoUploadRoundTrip() async throws {
        let configuration = try ObjectStoreConfiguration(endpoint: "http://127.0.0.1:8080/objects", bucket: "ccr-test", region: "local",
                                                         accessKeyID: "test-key", secretAccessKey: "test-secret-0123456789")
        let now = wallClockSeconds()
        let api = try APIHarness(logos: ObjectStoreLogoUploads(configuration: configuration))
        let company = try TestServices.makeCompany()
        let reply = await api.call("POST", "/api/branding/logo-upload-url", company: company, role: .admin, body: ["contentType": "image/png"])
        #expect(reply.status == 201)
        #expect(await api.call("POST", "/api/branding/logo-upload-url", company: company, role: .admin, body: ["contentType": "text/html"]).status == 422)
        let key = try #require(reply.json["key"]?.stringValue)
        let url = try #require(reply.json["url"]?.stringValue)
        #expect(key.hasPrefix("companies/\(company)/branding/"))
        #expect((reply.json["expiresIn"]?.int64Value ?? 0) <= 900)

        let root = try FileSystem.temporaryDirectory(prefix: "ccr-objects")
        defer { FileSystem.removeTree(root) }
        let handler = LocalObjectStoreHandler(configuration: configuration, store: LocalObjectStore(rootDirectory: root))
        let afterHost = url.dropFirst("http://127.0.0.1:8080".count)
        let parts = afterHost.split(separator: "?", maxSplits: 1)
        let path = String(parts[0])
        let query = String(parts[1])
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 100)
        func put(path: String = path, contentType: String = "image/png", at time: Double) -> Int {
            handler.handle(method: "PUT", path: path, rawQuery: query, headers: ["host": "127.0.0.1:8080", "content-type": contentType],
                           body: png, now: time).status
        }
        #expect(put(at: now + 60) == 200)
        #expect(put(at: now + 3600) == 403)
        #expect(put(contentType: "text/html", at: now + 60) == 403)
        #expect(put(path: path.replacingOccurrences(of: "logo-", with: "logo-x"), at: now + 60) == 403)
        let stored = try LocalObjectStore(rootDirectory: root).get(bucket: "ccr-test", key: key)
        #expect(stored?.bytes == png)

        // The branding can then point at the uploaded key, and only at keys of this company.
        #expect(await api.call("PUT", "/api/branding", company: company, role: .admin, body: ["logoKey": .string(key)]).status == 200)
        let me = await api.call("GET", "/api/me", company: company, role: .viewer)
        #expect(me.json["branding"]?["logoUrl"]?.stringValue?.contains("X-Amz-Signature=") == true)
        await api.shutdown()
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

