import JSONValue
import NotificationStore
import Postgres
import SecretSealing
import TestSupport
import Testing

/// URLs and secrets are sealed at rest and bound to their row; another company's destinations
/// do not exist for a tenant (404 everywhere, never 403).
@Suite struct NotificationsAPIIsolationTests {
    typealias Harness = NotificationsAPIHarness
    static let base = Harness.destinations

    @Test func urlsAndSecretsAreSealedAtRestAndInNoAuditRow() async throws {
        let api = try Harness()
        let (company, owner) = try Harness.company()
        let discordToken = "DiscordTokenSealedAtRest_3k9"
        let botToken = "bot-token-sealed-at-rest-77"
        let discord = await api.call("POST", Self.base, token: owner, body: [
            "name": "Community", "kind": "discord", "url": .string("https://discord.com/api/webhooks/4455/\(discordToken)"),
            "bot": ["token": .string(botToken), "channelId": "123"],
        ])
        let webhook = await api.call("POST", Self.base, token: owner, body: [
            "name": "Ops", "kind": "webhook", "url": "https://hooks.example.net/private-path-sealed-981",
        ])
        let discordID = try #require(discord.json["id"]?.stringValue, "\(discord.text)")
        let webhookID = try #require(webhook.json["id"]?.stringValue, "\(webhook.text)")
        let firstSecret = try #require(webhook.json["secret"]?.stringValue)
        let secondSecret = try #require(await api.call("POST", "\(Self.base)/\(webhookID)/secret", token: owner).json["secret"]?.stringValue)
        #expect(await api.call("PATCH", "\(Self.base)/\(webhookID)", token: owner, body: ["url": "https://hooks.example.net/changed-path-sealed-654"])
                .status == 200)
        _ = await api.call("POST", "\(Self.base)/\(webhookID)/test", token: owner)

        let secrets = [discordToken, botToken, "private-path-sealed", "changed-path-sealed", firstSecret, secondSecret,
                       String(firstSecret.dropFirst("whsec_".count)), String(secondSecret.dropFirst("whsec_".count))]
        var everything = ""
        for table in ["notification_destinations", "notification_deliveries", "notification_opt_outs", "audit_logs"] {
            for row in try TestServices.superuserQuery("SELECT t::text AS row FROM \(table) t WHERE company_id = $1", [company]).rows {
                everything += (row["row"] ?? "") + "\n"
            }
        }
        #expect(everything.contains("notification_destination.create") && everything.contains("v1.k1."))
        for secret in secrets { #expect(!everything.contains(secret), "\(secret) is stored in clear") }

        // Bound to its row and role: a sealed URL copied to another destination, or the secret
        // moved into the URL column, does not open.
        let stored = try #require(try Harness.stored(discordID, company: company))
        #expect(try stored.openURL(with: Harness.keys).reveal().hasSuffix(discordToken))
        try TestServices.superuserQuery("""
            UPDATE notification_destinations SET url_sealed = (SELECT url_sealed FROM notification_destinations WHERE id = $1) WHERE id = $2
            """, [discordID, webhookID])
        let copied = try #require(try Harness.stored(webhookID, company: company))
        #expect(throws: SecretSealingError.authenticationFailed) { try copied.openURL(with: Harness.keys) }
        try TestServices.superuserQuery("UPDATE notification_destinations SET url_sealed = secret_sealed WHERE id = $1", [discordID])
        let swapped = try #require(try Harness.stored(discordID, company: company))
        #expect(throws: SecretSealingError.authenticationFailed) { try swapped.openURL(with: Harness.keys) }
        await api.shutdown()
    }

    @Test func anotherCompanysDestinationIsNotFound() async throws {
        let api = try Harness()
        let (a, ownerA) = try Harness.company("Agency A")
        let (b, ownerB) = try Harness.company("Agency B")
        let creatorB = try TestServices.addCreator(company: b, twitchUserID: TestServices.uniqueTwitchUserID(), linked: false)
        let id = try #require(await api.call("POST", Self.base, token: ownerA, body: [
            "name": "A's hook", "kind": "webhook", "url": "https://hooks.example.net/a",
        ]).json["id"]?.stringValue)

        let attempts: [(String, String, JSONValue?)] = [
            ("GET", "\(Self.base)/\(id)", nil), ("PATCH", "\(Self.base)/\(id)", ["name": "mine now"]), ("DELETE", "\(Self.base)/\(id)", nil),
            ("POST", "\(Self.base)/\(id)/secret", nil), ("POST", "\(Self.base)/\(id)/preview", nil), ("POST", "\(Self.base)/\(id)/test", nil),
            ("GET", "\(Self.base)/\(id)/deliveries", nil), ("PUT", "\(Self.base)/\(id)/opt-outs/\(creatorB)", nil),
            ("DELETE", "\(Self.base)/\(id)/opt-outs/\(creatorB)", nil),
        ]
        for (method, path, body) in attempts {
            let reply = await api.call(method, path, token: ownerB, body: body)
            #expect(reply.status == 404 && reply.json["error"]?["code"] == "not_found", "\(method) \(path): \(reply.text)")
        }
        #expect(await api.call("GET", Self.base, token: ownerB).json["data"] == [])
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        #expect(try connection.withTenantScope(companyId: b) { try NotificationDestination.load(id: id, on: connection) } == nil)
        #expect(try connection.withTenantScope(companyId: b) {
            try connection.query("SELECT count(*) AS n FROM notification_deliveries").first!.requireInt64("n")
        } == 0)

        // Untouched for its owner.
        let intact = await api.call("GET", "\(Self.base)/\(id)", token: ownerA)
        #expect(intact.status == 200 && intact.json["name"] == "A's hook" && intact.json["optOuts"] == [])
        #expect(try TestServices.superuserQuery("SELECT count(*) AS n FROM notification_deliveries WHERE destination_id = $1", [id])
                .first!.requireInt64("n") == 0)
        _ = a
        await api.shutdown()
    }
}
