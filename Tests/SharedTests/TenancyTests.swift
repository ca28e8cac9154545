import Migrations
import Postgres
import TestSupport
import Testing

/// Row-level security against the real schema, as the real app role.
@Suite struct TenancyTests {
    @Test func migrationsAreRecordedAndIdempotent() throws {
        let admin = try PostgresConnection(url: try TestServices.adminURL())
        #expect(try Migrator(connection: admin).migrate().isEmpty)
        let versions = try admin.query("SELECT version FROM schema_migrations ORDER BY version").rows.map { try $0.requireInt64("version") }
        #expect(versions == Schema.migrations.map { Int64($0.version) })
    }

    @Test func migratorRefusesSuperusers() throws {
        let superuser = try PostgresConnection(url: try TestServices.superuserURL())
        #expect(throws: Migrator.Failure.self) { try Migrator(connection: superuser).migrate() }
    }

    @Test func appRoleIsNotOwnerAndCannotBypassRLS() throws {
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        let role = try #require(try app.query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").first)
        #expect(role.bool("rolsuper") == false)
        #expect(role.bool("rolbypassrls") == false)
        let owned = try app.query("SELECT count(*) AS n FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)")
        #expect(try owned.first!.requireInt64("n") == 0)
        // Every tenant table has RLS enabled and forced.
        let tables = try app.query("""
            SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
            WHERE relname IN ('companies','users','memberships','creators','events','creator_status','audit_logs','viewer_samples','event_archives')
            """).rows
        #expect(tables.count == 9)
        for table in tables {
            #expect(table.bool("relrowsecurity") == true, "\(table["relname"] ?? "")")
            #expect(table.bool("relforcerowsecurity") == true, "\(table["relname"] ?? "")")
        }
    }

    @Test func appRoleCannotDisableRowLevelSecurity() throws {
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        for statement in ["ALTER TABLE events DISABLE ROW LEVEL SECURITY", "ALTER TABLE creators NO FORCE ROW LEVEL SECURITY",
                          "DROP POLICY tenant_isolation ON events", "SET row_security = off; SELECT * FROM events"] {
            do {
                // (row_security = off makes a query that a policy would filter raise instead of leaking.)
                try app.execute(script: statement)
                Issue.record("app role could run: \(statement)")
            } catch let error as PostgresError {
                #expect(error.sqlState == "42501" || error.sqlState == "42P01", "\(statement): \(error)")
            }
        }
    }

    @Test func twoCompaniesAreIsolated() throws {
        let a = try TestServices.makeCompany("Isolation A")
        let b = try TestServices.makeCompany("Isolation B")
        let shared = TestServices.uniqueTwitchUserID()
        let creatorA = try TestServices.addCreator(company: a, twitchUserID: shared, login: "shared")
        let creatorB = try TestServices.addCreator(company: b, twitchUserID: shared, login: "shared")
        let app = try PostgresConnection(url: try TestServices.databaseURL())

        // No tenant set: nothing is visible.
        #expect(try app.query("SELECT count(*) AS n FROM creators").first!.requireInt64("n") == 0)
        #expect(try app.query("SELECT count(*) AS n FROM companies").first!.requireInt64("n") == 0)

        try app.withTenantScope(companyId: a) {
            let visible = try app.query("SELECT id FROM creators WHERE twitch_user_id = $1", [shared]).rows.map { $0["id"] }
            #expect(visible == [creatorA])
            let otherTenant = try app.query("SELECT id FROM creators WHERE id = $1", [creatorB])
            #expect(otherTenant.isEmpty)
            // Writing another tenant's row is refused by WITH CHECK.
            #expect(throws: PostgresError.self) {
                try app.query("INSERT INTO creators (company_id, twitch_user_id, login, display_name) VALUES ($1, '1', 'x', 'x')", [b])
            }
        }
        // The setting is transaction-local: gone after commit, even on the same connection.
        #expect(try app.query("SELECT count(*) AS n FROM creators").first!.requireInt64("n") == 0)
        // Updates and deletes across tenants touch nothing.
        try app.withTenantScope(companyId: b) {
            let updated = try app.query("UPDATE creators SET notes = 'x' WHERE id = $1", [creatorA]).affectedRows
            let deleted = try app.query("DELETE FROM creators WHERE id = $1", [creatorA]).affectedRows
            #expect(updated == 0)
            #expect(deleted == 0)
        }
        #expect(try TestServices.superuserQuery("SELECT notes FROM creators WHERE id = $1", [creatorA]).first?["notes"] == "")
    }

    @Test func crossTenantLookupReturnsIdsOnly() throws {
        let a = try TestServices.makeCompany()
        let b = try TestServices.makeCompany()
        let shared = TestServices.uniqueTwitchUserID()
        _ = try TestServices.addCreator(company: a, twitchUserID: shared)
        _ = try TestServices.addCreator(company: b, twitchUserID: shared)
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        let rows = try app.query("SELECT * FROM tracked_creators($1::text[])", [PostgresArray.literal([shared])])
        #expect(Set(rows.rows.compactMap { $0["company_id"] }) == [a, b])
        #expect(rows.columns == ["company_id", "creator_id", "twitch_user_id"])
    }

    @Test func parametersAreNeverSQL() throws {
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        let hostile = "'); DROP TABLE events; --"
        #expect(try app.query("SELECT $1::text AS v", [hostile]).first?["v"] == hostile)
        #expect(try app.query("SELECT $1::text[] AS v", [PostgresArray.literal([hostile, "a\"b\\c"])]).first?["v"] != nil)
        #expect(throws: PostgresError.self) { try app.withTenantScope(companyId: "not-a-uuid') OR true --") {} }
    }
}
