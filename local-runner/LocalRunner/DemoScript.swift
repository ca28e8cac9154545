import NIOHTTP1
import AsyncHTTPClient
import AccessTokens
import BlockingIO
import EventSub
import JSONValue
public import Logging
import NIOCore
import Postgres
import StructuredLogging

/// `local-runner/run up --demo`: two demo agencies that share one creator, and a realistic,
/// correctly signed EventSub script replayed into the webhook endpoint, so a newcomer sees events
/// flow without a Twitch account. Then a YouTube and a Rumble creator go live through their
/// stand-ins (`PlatformDemo`) while one Twitch creator stays live: three platforms side by side.
public struct DemoScript: Sendable {
    let runtime: RuntimeEnvironment
    let files: InstanceFiles
    let logger: Logger

    public init(runtime: RuntimeEnvironment, files: InstanceFiles, logger: Logger) {
        self.runtime = runtime
        self.files = files
        self.logger = logger
    }

    struct Creator { let id: String; let login: String; let name: String }
    static let shared = Creator(id: "141981764", login: "twitchdev", name: "TwitchDev")
    static let northwindOnly = Creator(id: "12826", login: "twitch", name: "Twitch")
    static let harborOnly = Creator(id: "1337", login: "cool_user", name: "Cool_User")

    /// Seeds once (ids kept in demo.env) and returns (company name, id) pairs.
    func seed() throws -> [(String, String)] {
        if let saved = KeyValueFile.read(files.demo), let north = saved["NORTHWIND_COMPANY_ID"], let harbor = saved["HARBOR_COMPANY_ID"] {
            return [("Northwind Talent", north), ("Blue Harbor Agency", harbor)]
        }
        let commands = OperatorCommands(adminURL: runtime.databaseAdminURL)
        let north = try commands.createCompany(name: "Northwind Talent")
        let harbor = try commands.createCompany(name: "Blue Harbor Agency")
        for creator in [Self.shared, Self.northwindOnly] {
            _ = try commands.addCreator(companyID: north, twitchUserID: creator.id, login: creator.login, displayName: creator.name)
        }
        for creator in [Self.shared, Self.harborOnly] {
            _ = try commands.addCreator(companyID: harbor, twitchUserID: creator.id, login: creator.login, displayName: creator.name)
        }
        try KeyValueFile.write([("NORTHWIND_COMPANY_ID", north), ("HARBOR_COMPANY_ID", harbor)], to: files.demo)
        return [("Northwind Talent", north), ("Blue Harbor Agency", harbor)]
    }

    public func run() async throws {
        let companies = try seed()
        for (name, id) in companies { StandardOutput.line("demo agency \(name): \(id)") }
        guard let routerURL = runtime.routerURL else { return }
        // Sign in as a demo owner: the stand-in's test user alice@agency.test owns the first agency
        // (bob@agency.test is an admin there, carol@other.test a viewer of the second).
        let commands = OperatorCommands(adminURL: runtime.databaseAdminURL)
        let alice = try commands.addMember(companyID: companies[0].1, email: "alice@agency.test", role: "owner")
        _ = try commands.addMember(companyID: companies[0].1, email: "bob@agency.test", role: "admin")
        _ = try commands.addMember(companyID: companies[1].1, email: "carol@other.test", role: "viewer")
        StandardOutput.line("demo dashboard (\(companies[0].0)): sign in as Alice at \(routerURL)/auth/login")
        try await linkCreators(of: companies.map(\.1), routerURL: routerURL)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await play(companies: companies, alice: alice, routerURL: routerURL, client: DemoClient(http: client))
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// The demo's traffic: the Discord destination, the signed EventSub script (ending with a
    /// Twitch creator who stays live), then YouTube and Rumble.
    private func play(companies: [(String, String)], alice: String, routerURL: String, client: DemoClient) async throws {
        let keys = try DevelopmentKeys.loadOrCreate(in: files.dataDirectory)
        let aliceToken = try keys.signer.token(subject: alice, companyID: companies[0].1, role: .owner, email: "alice@agency.test",
                                               now: wallClockSeconds(), ttlSeconds: 900)
        do {
            try await announceGoLives(company: companies[0].1, token: aliceToken, routerURL: routerURL, client: client)
        } catch {
            StandardOutput.line("demo: no Discord destination (\(error)); the rest of the demo goes on")
        }
        do {
            try await twitchStaysLive(client: client)
        } catch {
            StandardOutput.line("demo: the Twitch stand-in does not show \(Self.northwindOnly.name) live (\(error)); status reconciliation may end the stream")
        }
        var accepted = 0
        for step in Self.script() + Self.staysLive() {
            let now = RFC3339.format(unixSeconds: wallClockSeconds())
            let delivery = SignedDelivery.notification(
                type: step.type, version: step.version, event: step.event, condition: step.condition,
                secret: runtime.eventSubSecret, messageID: SignedDelivery.newMessageID(), timestamp: now)
            var request = HTTPClientRequest(url: routerURL + "/webhooks/twitch")
            request.method = .POST
            for (name, value) in delivery.headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: delivery.body))
            let response = try await client.http.execute(request, timeout: .seconds(10))
            if (200..<300).contains(Int(response.status.code)) { accepted += 1 }
            StandardOutput.line("demo: \(step.type) for \(step.label) -> \(response.status.code)")
            try await Task.sleep(nanoseconds: 400_000_000)
        }
        StandardOutput.line("demo: \(accepted) notifications accepted")
        // YouTube and Rumble through the REST API; Blue Harbor's creator is added by a demo operator of its own.
        let harborOperator = try OperatorCommands(adminURL: runtime.databaseAdminURL)
            .addMember(companyID: companies[1].1, email: "demo-operator@blueharbor.test", role: "operator")
        let harborToken = try keys.signer.token(subject: harborOperator, companyID: companies[1].1, role: .operator,
                                                email: "demo-operator@blueharbor.test", now: wallClockSeconds(), ttlSeconds: 900)
        do {
            try await PlatformDemo(runtime: runtime, client: client, routerURL: routerURL).run(agencies: [
                .init(name: companies[0].0, id: companies[0].1, token: aliceToken), .init(name: companies[1].0, id: companies[1].1, token: harborToken),
            ])
        } catch {
            StandardOutput.line("demo: YouTube and Rumble creators not live (\(error)); the Twitch part of the demo ran")
        }
    }

    /// The Twitch stand-in lists the staying creator's stream as live, so status reconciliation (which
    /// polls Helix streams) keeps it live after `staysLive()` announces it.
    func twitchStaysLive(client: DemoClient) async throws {
        guard let standIn = runtime.twitchStandInURL else { return }
        // Known to the stand-in since linking; on a later start the stand-in is new (a taken id is a 400).
        _ = try await client.send("POST", standIn + "/_stand-in/users",
                                  ["users": [["id": .string(Self.northwindOnly.id), "login": .string(Self.northwindOnly.login)]]], accept: [200, 400])
        _ = try await client.send("POST", standIn + "/_stand-in/streams", [
            "user_id": .string(Self.northwindOnly.id), "title": .string(Self.twitchLiveTitle), "game_name": "Just Chatting", "viewer_count": 2150,
        ])
    }

    /// The first agency announces go-lives on a Discord webhook of the local Discord stand-in,
    /// created through the product's own API as the owner would (once per data folder): the
    /// demo's `stream.online` steps then show up on the stand-in's page.
    func announceGoLives(company: String, token: String, routerURL: String, client: DemoClient) async throws {
        guard let discord = runtime.discordStandInURL else { return }
        if KeyValueFile.read(files.demo)?["DISCORD_DESTINATION_ID"] != nil { return }
        let webhook = try await client.send("POST", discord + "/_stand-in/webhooks", ["name": "Northwind go-lives"]).body
        guard let url = webhook["url"]?.stringValue else { throw OperatorCommands.Failure(description: "the Discord stand-in returned no webhook url") }
        let destination = try await client.send("POST", routerURL + "/api/notifications/destinations",
                                                ["name": "Demo Discord", "kind": "discord", "url": .string(url)], token: token).body
        guard let id = destination["id"]?.stringValue else { throw OperatorCommands.Failure(description: "no destination id in the answer") }
        var saved = KeyValueFile.read(files.demo) ?? [:]
        saved["DISCORD_DESTINATION_ID"] = id
        try KeyValueFile.write(saved.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: files.demo)
        StandardOutput.line("demo: go-live alerts of Northwind Talent go to the Discord stand-in: \(discord)/")
    }

    /// The demo creators link their Twitch accounts (at the stand-in, through the product's link
    /// pages) so their follows, subs and cheers reach the agencies. Creators linked on an earlier
    /// start are left alone. Against real Twitch (no stand-in) nothing is linked.
    func linkCreators(of companies: [String], routerURL: String) async throws {
        guard let standIn = runtime.twitchStandInURL else {
            StandardOutput.line("demo: real Twitch configured; link creators from the dashboard (Creators → Copy link)")
            return
        }
        let linker = CreatorLinker(adminURL: runtime.databaseAdminURL, routerURL: routerURL, standInURL: standIn)
        let connection = try PostgresConnection(url: runtime.databaseAdminURL)
        for company in companies {
            let unlinked = try connection.withTenantScope(companyId: company) {
                // The owner role reads creators across tenants (the trackers' policy): name the company.
                try connection.query("""
                    SELECT c.id FROM creators c LEFT JOIN creator_links l ON l.creator_id = c.id
                    WHERE c.company_id = $1 AND l.creator_id IS NULL AND c.twitch_user_id IS NOT NULL
                    """, [company]).rows.map { try $0.require("id") }
            }
            for creator in unlinked { try await linker.link(companyID: company, creatorID: creator) }
            if !unlinked.isEmpty { StandardOutput.line("demo: linked \(unlinked.count) creator(s) of \(company) at the Twitch stand-in") }
        }
    }

    struct Step { let type: String; let version: String; let label: String; let condition: JSONValue; let event: JSONValue }

    static func broadcaster(_ creator: Creator) -> [String: JSONValue] {
        ["broadcaster_user_id": .string(creator.id), "broadcaster_user_login": .string(creator.login), "broadcaster_user_name": .string(creator.name)]
    }

    static func step(_ type: String, _ version: String, _ creator: Creator, _ extra: [String: JSONValue]) -> Step {
        let event = broadcaster(creator).merging(extra) { _, new in new }
        return Step(type: type, version: version, label: creator.login, condition: ["broadcaster_user_id": .string(creator.id)], event: .object(event))
    }

    static let twitchLiveTitle = "Just chatting with the agency: Q&A"

    /// The end of the demo: one Twitch creator goes live and stays live (next to YouTube and Rumble).
    static func staysLive() -> [Step] {
        let now = RFC3339.format(unixSeconds: wallClockSeconds())
        return [
            step("stream.online", "1", northwindOnly, ["id": "9002", "type": "live", "started_at": .string(now)]),
            step("channel.update", "2", northwindOnly, ["title": .string(twitchLiveTitle), "language": "en", "category_id": "509658",
                                                        "category_name": "Just Chatting", "content_classification_labels": []]),
        ]
    }

    static func script() -> [Step] {
        let now = RFC3339.format(unixSeconds: wallClockSeconds())
        let viewer: [String: JSONValue] = ["user_id": "1234", "user_login": "cool_viewer", "user_name": "Cool_Viewer"]
        return [
            step("stream.online", "1", shared, ["id": "9001", "type": "live", "started_at": .string(now)]),
            step("channel.update", "2", shared, ["title": "Building a NOC view live!", "language": "en",
                                                 "category_id": "509670", "category_name": "Science & Technology",
                                                 "content_classification_labels": []]),
            step("channel.follow", "2", shared, viewer.merging(["followed_at": .string(now)]) { _, new in new }),
            step("channel.follow", "2", northwindOnly, ["user_id": "5678", "user_login": "another_fan", "user_name": "Another_Fan",
                                                        "followed_at": .string(now)]),
            Step(type: "channel.raid", version: "1", label: "\(harborOnly.login) -> \(shared.login)",
                 condition: ["to_broadcaster_user_id": .string(shared.id)],
                 event: ["from_broadcaster_user_id": .string(harborOnly.id), "from_broadcaster_user_login": .string(harborOnly.login),
                         "from_broadcaster_user_name": .string(harborOnly.name), "to_broadcaster_user_id": .string(shared.id),
                         "to_broadcaster_user_login": .string(shared.login), "to_broadcaster_user_name": .string(shared.name),
                         "viewers": 420]),
            step("channel.subscribe", "1", shared, viewer.merging(["tier": "1000", "is_gift": false]) { _, new in new }),
            step("channel.subscription.gift", "1", shared, viewer.merging(["total": 5, "tier": "1000", "cumulative_total": 12,
                                                                            "is_anonymous": false]) { _, new in new }),
            step("channel.cheer", "1", shared, viewer.merging(["is_anonymous": false, "message": "Cheer100 great stream", "bits": 100]) { _, new in new }),
            step("channel.hype_train.begin", "2", shared, ["id": "hype-1", "total": 137, "progress": 137, "goal": 500, "level": 1,
                                                           "started_at": .string(now), "expires_at": .string(now), "type": "regular",
                                                           "is_shared_train": false, "top_contributions": []]),
            step("channel.hype_train.end", "2", shared, ["id": "hype-1", "total": 640, "level": 2, "started_at": .string(now),
                                                         "ended_at": .string(now), "cooldown_ends_at": .string(now), "type": "regular",
                                                         "is_shared_train": false, "top_contributions": []]),
            step("stream.offline", "1", shared, [:]),
        ]
    }
}
