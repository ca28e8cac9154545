import API
import AccessTokens
import JSONValue
import Postgres
import TestSupport
import Testing

/// `GET /api/creators` is answered from the page built last time while the company's creator
/// list version (migration 15) is unchanged, and rebuilt after every change the product makes.
@Suite struct CreatorListCacheTests {
    static func version(_ company: String) throws -> Int64 {
        try TestServices.superuserQuery("SELECT version FROM creator_list_versions WHERE company_id = $1", [company])
            .first.map { try $0.requireInt64("version") } ?? 0
    }

    /// Runs `sql` as the app role under `company`'s tenant scope, as every product write does.
    static func asTenant(_ company: String, _ sql: String, _ parameters: [(any PostgresParameter)?] = []) throws {
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        try connection.withTenantScope(companyId: company) { _ = try connection.query(sql, parameters) }
    }

    static func list(_ api: APIHarness, _ company: String) async throws -> [JSONValue] {
        let reply = await api.call("GET", "/api/creators", company: company, role: .viewer)
        #expect(reply.status == 200)
        return try #require(reply.json["data"]?.arrayValue)
    }

    @Test func servedFromTheCacheUntilTheListChangesThenRebuilt() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany()
        let other = try TestServices.makeCompany()
        let creator = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID(), login: "cached_one")
        let otherVersion = try Self.version(other)
        #expect(try await Self.list(api, company).map { $0["displayName"] } == ["cached_one"])

        // A change no trigger sees (a bulk load with triggers off) is not shown: the page came
        // from the cache, keyed by a version that did not move.
        let before = try Self.version(company)
        let superuser = try PostgresConnection(url: try TestServices.superuserURL())
        try superuser.execute(script: "SET session_replication_role = replica")
        try superuser.query("UPDATE creators SET display_name = 'unseen' WHERE id = $1", [creator])
        try superuser.execute(script: "SET session_replication_role = origin")
        #expect(try Self.version(company) == before)
        #expect(try await Self.list(api, company).map { $0["displayName"] } == ["cached_one"])

        // Each change the product makes moves the version and shows on the next request.
        try Self.asTenant(company, "UPDATE creators SET display_name = 'Renamed' WHERE id = $1", [creator])
        #expect(try await Self.list(api, company).map { $0["displayName"] } == ["Renamed"])

        try Self.asTenant(company, """
            INSERT INTO creator_status (creator_id, company_id, live, title, viewer_count, started_at, live_changed_at)
            VALUES ($1, $2, true, 'Now live', 12, now(), now())
            """, [creator, company])
        var shown = try await Self.list(api, company)
        #expect(shown.first?["status"]?["live"] == true && shown.first?["status"]?["viewerCount"] == .int(12))

        try Self.asTenant(company, "UPDATE creator_status SET viewer_count = 40 WHERE creator_id = $1", [creator])
        #expect(try await Self.list(api, company).first?["status"]?["viewerCount"] == .int(40))

        try Self.asTenant(company, "UPDATE creator_channels SET display_name = 'Channel renamed' WHERE creator_id = $1", [creator])
        shown = try await Self.list(api, company)
        #expect(shown.first?["channels"]?.arrayValue?.first?["displayName"] == "Channel renamed")

        // A token refresh changes nothing the list shows, and does not throw the page away; the
        // link's state does.
        let beforeRefresh = try Self.version(company)
        try Self.asTenant(company, "UPDATE creator_links SET access_expires_at = now() + interval '4 hours', updated_at = now() WHERE creator_id = $1", [creator])
        #expect(try Self.version(company) == beforeRefresh)
        try Self.asTenant(company, "UPDATE creator_links SET status = 'needs_relink', problem = 'refresh failed', access_token = NULL, refresh_token = NULL, access_expires_at = NULL WHERE creator_id = $1", [creator])
        #expect(try Self.version(company) != beforeRefresh)
        #expect(try await Self.list(api, company).first?["twitch"]?["status"] == "needs_relink")

        try Self.asTenant(company, "DELETE FROM creators WHERE id = $1", [creator])
        #expect(try await Self.list(api, company).isEmpty)

        // Another company's version and list are its own.
        #expect(try Self.version(other) == otherVersion)
        #expect(try await Self.list(api, other).isEmpty)
        await api.shutdown()
    }

    /// A transaction touching many rows of a company writes its version once; every write
    /// gives a value never used before, so a page is never mistaken for a later one.
    @Test func oneVersionPerTransactionAndNeverReused() throws {
        let company = try TestServices.makeCompany()
        let creators = try (0..<3).map { index in
            try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID(), login: "many_\(index)")
        }
        var seen: Set<Int64> = [try Self.version(company)]
        let connection = try PostgresConnection(url: try TestServices.databaseURL())
        try connection.withTenantScope(companyId: company) {
            // This backend's writes to the table so far (its statistics may still hold earlier
            // transactions' counts, behind a pooler too): the difference is this statement's.
            func writes() throws -> Int64 {
                try connection.query("SELECT n_tup_ins + n_tup_upd AS n FROM pg_stat_xact_user_tables WHERE relname = 'creator_list_versions'")
                    .first.map { try $0.requireInt64("n") } ?? 0
            }
            let before = try writes()
            try connection.query("UPDATE creators SET notes = 'bulk' WHERE id = ANY($1::uuid[])", [PostgresArray.literal(creators)])
            #expect(try writes() - before == 1, "three rows changed, one version written")
            let row = try #require(try connection.query("SELECT bumped_by::text AS xact, pg_current_xact_id()::text AS mine FROM creator_list_versions").first)
            #expect(row["xact"] == row["mine"], "bumped by this transaction")
        }
        for creator in creators {
            try Self.asTenant(company, "UPDATE creators SET notes = 'one' WHERE id = $1", [creator])
            #expect(seen.insert(try Self.version(company)).inserted, "a version value came back")
        }
    }

    /// The version table is a tenant table like the others: the app role reads only its own
    /// company's row and cannot write one (only the triggers, as the owner, do).
    @Test func versionsAreTenantScopedAndWrittenOnlyByTriggers() throws {
        let a = try TestServices.makeCompany()
        let b = try TestServices.makeCompany()
        _ = try TestServices.addCreator(company: a, twitchUserID: TestServices.uniqueTwitchUserID(), login: "owner_a")
        _ = try TestServices.addCreator(company: b, twitchUserID: TestServices.uniqueTwitchUserID(), login: "owner_b")
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        try app.withTenantScope(companyId: a) {
            let rows = try app.query("SELECT company_id::text AS company FROM creator_list_versions").rows
            #expect(rows.map { $0["company"] } == [a])
            let entered = try #require(try app.query("SELECT present, version FROM enter_tenant_for_creator_list($1::uuid)", [a]).first)
            let expected = String(try Self.version(a))
            #expect(entered["present"] == "t" && entered["version"] == expected)
        }
        do {
            try app.withTenantScope(companyId: a) {
                try app.query("UPDATE creator_list_versions SET version = 1")
            }
            Issue.record("the app role wrote a version")
        } catch let error as PostgresError {
            #expect(error.sqlState == "42501")
        }
        let unknown = try #require(try app.query("SELECT present FROM enter_tenant_for_creator_list(gen_random_uuid())").first)
        #expect(unknown["present"] == "f")
    }

    /// The cache answers only at the version a page was stored with, keeps the newest page of a
    /// company, and stays within its byte budget by dropping other companies' pages.
    @Test func cacheAnswersOnlyAtItsVersionAndStaysWithinItsBudget() {
        let cache = VersionedPageCache(byteBudget: 100)
        let page = { (byte: UInt8) in [UInt8](repeating: byte, count: 40) }
        cache.store(page(1), company: "a", version: 7)
        cache.store(page(2), company: "b", version: 7)
        #expect(cache.page(company: "a", version: 7) == page(1))
        #expect(cache.page(company: "a", version: 8) == nil, "another version is a miss")
        #expect(cache.page(company: "c", version: 7) == nil)

        cache.store(page(3), company: "a", version: 9)
        #expect(cache.page(company: "a", version: 7) == nil && cache.page(company: "a", version: 9) == page(3), "the newer page replaces the older")
        #expect(cache.count == 2)

        cache.store(page(4), company: "c", version: 1)
        #expect(cache.count == 2, "120 bytes do not fit in 100: one other company's page went")
        #expect(cache.page(company: "c", version: 1) == page(4), "the page just stored stays")

        cache.store([UInt8](repeating: 5, count: 101), company: "d", version: 1)
        #expect(cache.page(company: "d", version: 1) == nil && cache.count == 2, "a page larger than the budget is not kept")
    }
}
