import API
import AccessTokens
import JSONValue
import Postgres
import TestSupport
import Testing

/// `GET /api/events` without filter or cursor keeps each company's newest events and reads only
/// those appended since, and the whole page again after a removal or a rewrite moved the
/// company's history version (migration 16); each shows on the next request.
@Suite struct EventPageCacheTests {
    static func historyVersion(_ company: String) throws -> Int64 {
        try TestServices.superuserQuery("SELECT version FROM event_history_versions WHERE company_id = $1", [company])
            .first.map { try $0.requireInt64("version") } ?? 0
    }

    static func page(_ api: APIHarness, _ company: String, _ query: String) async throws -> (ids: [Int64], data: [JSONValue], next: JSONValue?) {
        let reply = await api.call("GET", "/api/events?" + query, company: company, role: .viewer)
        #expect(reply.status == 200)
        let rows = try #require(reply.json["data"]?.arrayValue)
        return (rows.compactMap { $0["id"]?.int64Value }, rows.map { $0["data"] ?? .null }, reply.json["next"])
    }

    /// Runs `sql` as the superuser, with triggers off when `silently` (a bulk load no trigger sees).
    static func superuser(_ sql: String, _ parameters: [(any PostgresParameter)?], silently: Bool) throws {
        let connection = try PostgresConnection(url: try TestServices.superuserURL())
        if silently { try connection.execute(script: "SET session_replication_role = replica") }
        try connection.query(sql, parameters)
    }

    @Test func newestPageIsCachedUntilAnAppendARemovalOrARewrite() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany()
        let other = try TestServices.makeCompany()
        let creator = try TestServices.addCreator(company: company, twitchUserID: TestServices.uniqueTwitchUserID(), login: "paged")
        let ids = try RESTRoutesTests.insertEvents(company: company, creator: creator, count: 3)
        let otherIDs = try RESTRoutesTests.insertEvents(company: other, creator: nil, count: 1)
        #expect(try await Self.page(api, other, "limit=2").ids == otherIDs)

        var page = try await Self.page(api, company, "limit=2")
        #expect(page.ids == [ids[2], ids[1]] && page.next == ["before": .int(ids[1])])
        // Another limit is another page, built and kept on its own.
        #expect(try await Self.page(api, company, "limit=3").ids == ids.reversed())

        // A rewrite no trigger sees is not shown: the page came from the cache (the history
        // version did not move, and nothing was appended). A filtered page is read whole.
        let versionBefore = try Self.historyVersion(company)
        try Self.superuser("UPDATE events SET data = '{\"unseen\":true}' WHERE id = $1", [ids[2]], silently: true)
        #expect(try Self.historyVersion(company) == versionBefore)
        page = try await Self.page(api, company, "limit=2")
        #expect(page.ids == [ids[2], ids[1]] && page.data.first?["unseen"] == nil)
        #expect(try await Self.page(api, company, "limit=2&type=channel.follow").data.first?["unseen"] == true)

        // An append is read alone and put in front; the events already kept are not read again.
        let appended = try RESTRoutesTests.insertEvents(company: company, creator: creator, count: 1)
        page = try await Self.page(api, company, "limit=2")
        #expect(page.ids == [appended[0], ids[2]] && page.next == ["before": .int(ids[2])])
        #expect(page.data.last?["unseen"] == nil, "only the appended event was read")

        // A rewrite (by hand, as the owner: the app role cannot update events) moves the version:
        // the page is read whole again.
        try Self.superuser("UPDATE events SET data = '{\"fixed\":true}' WHERE id = $1", [appended[0]], silently: false)
        #expect(try Self.historyVersion(company) != versionBefore)
        page = try await Self.page(api, company, "limit=2")
        #expect(page.data.first?["fixed"] == true && page.data.last?["unseen"] == true)

        // A removal (as the archive deletes, through the app role in the tenant scope) too: the
        // newest page now ends earlier, with no cursor once nothing older is left.
        #expect(try await Self.page(api, company, "limit=3").ids == [appended[0], ids[2], ids[1]])
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        try app.withTenantScope(companyId: company) {
            _ = try app.query("DELETE FROM events WHERE company_id = current_company_id() AND id = ANY($1::bigint[])",
                              [PostgresArray.literal([ids[0], ids[1]].map(String.init))])
        }
        page = try await Self.page(api, company, "limit=3")
        #expect(page.ids == [appended[0], ids[2]] && page.next == .null)
        #expect(try await Self.page(api, company, "limit=2").ids == [appended[0], ids[2]])

        // The other company's version and page are its own.
        #expect(try Self.historyVersion(other) == 0)
        #expect(try await Self.page(api, other, "limit=2").ids == otherIDs)
        await api.shutdown()
    }

    /// A company with no events yet, then more appended between two requests than a page holds:
    /// the page and its cursor are those of a whole read.
    @Test func fromNoEventsToMoreThanAPageBetweenTwoRequests() async throws {
        let api = try APIHarness()
        let company = try TestServices.makeCompany()
        var page = try await Self.page(api, company, "limit=3")
        #expect(page.ids.isEmpty && page.next == .null)
        let first = try RESTRoutesTests.insertEvents(company: company, creator: nil, count: 2)
        page = try await Self.page(api, company, "limit=3")
        #expect(page.ids == first.reversed() && page.next == .null)
        let burst = try RESTRoutesTests.insertEvents(company: company, creator: nil, count: 5)
        page = try await Self.page(api, company, "limit=3")
        #expect(page.ids == Array(burst.reversed().prefix(3)) && page.next == ["before": .int(burst[2])])
        let older = try await Self.page(api, company, "limit=3&before=\(burst[2])")
        #expect(older.ids == [burst[1], burst[0], first[1]])
        await api.shutdown()
    }

    /// One statement removing events of two companies moves each company's version once, to a
    /// value never used before; the version table is a tenant table the app role only reads.
    @Test func historyVersionsAreTenantScopedOnePerStatementAndWrittenOnlyByTriggers() throws {
        let a = try TestServices.makeCompany()
        let b = try TestServices.makeCompany()
        let aIDs = try RESTRoutesTests.insertEvents(company: a, creator: nil, count: 3)
        let bIDs = try RESTRoutesTests.insertEvents(company: b, creator: nil, count: 2)
        let owner = try PostgresConnection(url: try TestServices.superuserURL())
        func writes() throws -> Int64 {
            try owner.query("SELECT n_tup_ins + n_tup_upd AS n FROM pg_stat_xact_user_tables WHERE relname = 'event_history_versions'")
                .first.map { try $0.requireInt64("n") } ?? 0
        }
        try owner.withTransaction {
            let before = try writes()
            try owner.query("DELETE FROM events WHERE id = ANY($1::bigint[])", [PostgresArray.literal([aIDs[0], aIDs[1], bIDs[0]].map(String.init))])
            #expect(try writes() - before == 2, "three rows of two companies removed, one version each")
        }
        let first = (try Self.historyVersion(a), try Self.historyVersion(b))
        #expect(first.0 > 0 && first.1 > 0 && first.0 != first.1)
        try Self.superuser("DELETE FROM events WHERE id = $1", [aIDs[2]], silently: false)
        #expect(try Self.historyVersion(a) > max(first.0, first.1), "a later statement gives a value never used before")
        #expect(try Self.historyVersion(b) == first.1)

        let app = try PostgresConnection(url: try TestServices.databaseURL())
        try app.withTenantScope(companyId: b) {
            let rows = try app.query("SELECT company_id::text AS company, version FROM event_history_versions").rows
            #expect(rows.map { $0["company"] } == [b] && rows.first?["version"] == String(first.1))
        }
        do {
            _ = try app.withTenantScope(companyId: b) { try app.query("UPDATE event_history_versions SET version = 1") }
            Issue.record("the app role wrote a version")
        } catch let error as PostgresError {
            #expect(error.sqlState == "42501")
        }
    }
}
