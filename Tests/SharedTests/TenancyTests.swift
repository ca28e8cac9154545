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

    /// The owner-run functions an authenticated request may call (migration 17) are PL/pgSQL, whose
    /// plan Postgres keeps per connection; `LANGUAGE sql` SECURITY DEFINER bodies are parsed and
    /// planned again on every call. As the app role they answer: a member's role, nothing for a
    /// stranger or an unknown session, no row for an unknown key prefix.
    @Test func requestPathFunctionsKeepTheirPlanAndAnswerAsBefore() throws {
        let definitions = try TestServices.superuserQuery("""
            SELECT p.proname, l.lanname, p.prosecdef, array_to_string(p.proconfig, ',') AS config
            FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.proname IN ('access_roles', 'api_key_by_prefix') ORDER BY p.proname
            """).rows
        #expect(definitions.map { $0["proname"] } == ["access_roles", "api_key_by_prefix"])
        for definition in definitions {
            #expect(definition["lanname"] == "plpgsql", "\(definition["proname"] ?? "")")
            #expect(definition.bool("prosecdef") == true)
            // Migration 18 adds the generic plan to the pinned search path (and nested loops to access_roles').
            let expected = definition["proname"] == "access_roles"
                ? "search_path=public, pg_temp,plan_cache_mode=force_generic_plan,enable_hashjoin=off,enable_mergejoin=off"
                : "search_path=public, pg_temp,plan_cache_mode=force_generic_plan"
            #expect(definition["config"] == expected)
        }
        let company = try TestServices.makeCompany()
        let member = try TestServices.addMember(company: company, email: "planned-\(TestServices.uniqueTwitchUserID())@agency.test", role: "operator")
        let stranger = "00000000-0000-4000-8000-000000000001"
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        for _ in 0..<7 {  // past the calls after which PL/pgSQL may switch to a generic plan
            let roles = try app.query("""
                SELECT ordinality, role FROM access_roles(ARRAY[$1, $1, $1]::uuid[], ARRAY[$2, $3, $2]::uuid[], ARRAY[NULL, NULL, $3]::uuid[])
                """, [company, member, stranger]).rows
            #expect(roles.map { $0["ordinality"] } == ["1", "2", "3"])
            #expect(roles.map { $0["role"] } == ["operator", nil, nil], "a member, a stranger, a member with an unknown session")
            #expect(try app.query("SELECT * FROM api_key_by_prefix($1)", ["nosuchprefix"]).rows.isEmpty)
        }

        // The generic plan probes memberships by primary key: no scan of every membership per call
        // (a hash join did that). Counted in this backend's own table statistics, flushed on demand
        // (the superuser's connection goes straight to Postgres, also in the PgBouncer pass).
        let owner = try PostgresConnection(url: try TestServices.superuserURL())
        func scans() throws -> (sequential: Int64, index: Int64) {
            _ = try owner.query("SELECT pg_stat_force_next_flush()")
            _ = try owner.query("SELECT pg_stat_clear_snapshot()")
            let row = try #require(try owner.query(
                "SELECT seq_scan, COALESCE(idx_scan, 0) AS idx_scan FROM pg_stat_user_tables WHERE relname = 'memberships'").first)
            return (try row.requireInt64("seq_scan"), try row.requireInt64("idx_scan"))
        }
        let before = try scans()
        for _ in 0..<8 {
            let roles = try owner.query("SELECT role FROM access_roles(ARRAY[$1, $1]::uuid[], ARRAY[$2, $3]::uuid[], ARRAY[NULL, NULL]::uuid[])",
                                        [company, member, stranger]).rows
            #expect(roles.map { $0["role"] } == ["operator", nil])
        }
        let after = try scans()
        #expect(after.sequential == before.sequential, "memberships scanned whole: \(before) → \(after)")
        #expect(after.index >= before.index + 16, "one index probe per element: \(before) → \(after)")
    }

    /// Migration 18: ingest's per-batch functions plan each statement once per connection (their
    /// jsonb batches cannot change a plan), and still answer by their parameters' values. Storing
    /// and the outbox are exercised call after call by the ingest tests on one connection.
    @Test func ingestFunctionsKeepOneGenericPlanAndAnswerByTheirArguments() throws {
        let definitions = try TestServices.superuserQuery("""
            SELECT p.proname, array_to_string(p.proconfig, ',') AS config
            FROM pg_proc p
            WHERE p.proname IN ('tracked_creators', 'store_events', 'notification_outbox') AND p.prosecdef ORDER BY p.proname
            """).rows
        #expect(definitions.map { $0["proname"] } == ["notification_outbox", "store_events", "tracked_creators"])
        for definition in definitions {
            #expect(definition["config"]?.split(separator: ",").contains("plan_cache_mode=force_generic_plan") == true,
                    "\(definition["proname"] ?? ""): \(definition["config"] ?? "")")
        }
        let first = try TestServices.makeCompany()
        let second = try TestServices.makeCompany()
        let (one, two) = (TestServices.uniqueTwitchUserID(), TestServices.uniqueTwitchUserID())
        let creatorOne = try TestServices.addCreator(company: first, twitchUserID: one)
        let creatorTwo = try TestServices.addCreator(company: second, twitchUserID: two)
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        for call in 0..<8 {  // past the calls after which a custom plan could have been chosen
            let users = call.isMultiple(of: 2) ? [one] : [one, two, "no-such-user"]
            let rows = try app.query("SELECT company_id::text AS company, creator_id::text AS creator FROM tracked_creators($1::text[]) ORDER BY 1",
                                     [PostgresArray.literal(users)]).rows
            let expected = call.isMultiple(of: 2) ? [[first, creatorOne]] : [[first, creatorOne], [second, creatorTwo]].sorted { $0[0] < $1[0] }
            #expect(rows.map { [$0["company"] ?? "", $0["creator"] ?? ""] } == expected, "call \(call)")
        }
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
        // Every tenant table (every table with a company_id column, and companies itself) has RLS
        // enabled and forced, including the ones later migrations add.
        let tables = try app.query("""
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            WHERE c.relkind = 'r' AND (c.relname IN ('companies', 'users') OR EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND NOT a.attisdropped))
            """).rows
        let names = Set(tables.compactMap { $0["relname"] })
        #expect(names.isSuperset(of: ["companies", "users", "memberships", "creators", "events", "creator_status", "audit_logs",
                                      "viewer_samples", "event_archives", "notification_destinations", "notification_deliveries"]), "\(names)")
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
        // Ids, and the event type names the company's link covers: nothing else crosses tenants.
        #expect(rows.columns == ["company_id", "creator_id", "twitch_user_id", "authorized_types"])
    }

    /// `store_events` writes across tenants in one statement, but only rows whose creator is the
    /// named company's tracker of one of the notification's routing users; anything else is
    /// silently not stored (the app role cannot use it to write into an unrelated company). A
    /// notification is sent once and stored for every company whose row names it, each row with
    /// the notification's own data and payload.
    @Test func storeEventsOnlyWritesForTrackingCompanies() throws {
        let a = try TestServices.makeCompany("Store A")
        let b = try TestServices.makeCompany("Store B")
        let c = try TestServices.makeCompany("Store C")
        let tracked = TestServices.uniqueTwitchUserID()
        let other = TestServices.uniqueTwitchUserID()
        let creatorA = try TestServices.addCreator(company: a, twitchUserID: tracked, login: "tracked")
        let creatorB = try TestServices.addCreator(company: b, twitchUserID: other, login: "other")
        let creatorC = try TestServices.addCreator(company: c, twitchUserID: tracked, login: "tracked")
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        let message = "store-\(tracked)"
        func notification(_ message: String, routing: String, data: String, payload: String) -> String {
            #"{"m":"\#(message)","t":"channel.follow","v":"2","b":"\#(routing)","o":"2026-01-01T00:00:00Z","s":"webhook","#
                + #""u":["\#(routing)"],"d":\#(data),"p":\#(payload)}"#
        }
        func target(_ index: Int, company: String, creator: String, notification: Int) -> String {
            #"{"i":\#(index),"k":"\#(company)","c":"\#(creator)","n":\#(notification)}"#
        }
        let notifications = "[" + [
            notification(message, routing: tracked, data: #"{"user":"z\u00e9","n":[1,2.5]}"#, payload: #"{"event":{"b":1,"a":"x"}}"#),
            notification(message + "-x", routing: tracked, data: "{}", payload: "{}"),
        ].joined(separator: ",") + "]"
        let targets = "[" + [
            target(0, company: a, creator: creatorA, notification: 0),  // genuine
            target(1, company: b, creator: creatorB, notification: 0),  // b does not track `tracked`
            target(2, company: b, creator: creatorA, notification: 1),  // a's creator named for b
            target(3, company: a, creator: creatorA, notification: 0),  // duplicate of row 0
            target(4, company: c, creator: creatorC, notification: 0),  // c tracks it too: same notification
            target(5, company: c, creator: creatorC, notification: 7),  // no such notification
        ].joined(separator: ",") + "]"
        let stored = try app.query("SELECT * FROM store_events($1::jsonb, $2::jsonb)", [notifications, targets]).rows
        #expect(stored.map { $0["company_id"] } == [a, c])
        #expect(stored.map { $0["creator_id"] } == [creatorA, creatorC])
        #expect(stored.map { $0["data_text"] } == [#"{"n": [1, 2.5], "user": "zé"}"#, #"{"n": [1, 2.5], "user": "zé"}"#])
        #expect(stored.map { $0["platform"] } == ["twitch", "twitch"])
        let ids = stored.compactMap { $0["id"].flatMap(Int64.init) }
        #expect(ids.count == 2 && ids[0] < ids[1])
        let rows = try TestServices.superuserQuery(
            "SELECT company_id, payload::text AS payload FROM events WHERE twitch_message_id LIKE $1 ORDER BY id", [message + "%"])
        #expect(rows.rows.map { $0["company_id"] } == [a, c])
        #expect(rows.rows.map { $0["payload"] } == [#"{"event": {"a": "x", "b": 1}}"#, #"{"event": {"a": "x", "b": 1}}"#])
        // The app role still cannot insert into events outside its tenant scope.
        #expect(throws: PostgresError.self) {
            try app.query("INSERT INTO events (company_id, twitch_message_id, subscription_type, subscription_version, occurred_at, payload) VALUES ($1, 'x', 't', '1', now(), '{}')", [a])
        }
    }

    /// The previous release's one-parameter form (one object per row) still works during a rolling
    /// update, through the same rules: it wraps the two-parameter form.
    @Test func previousReleasesStoreEventsFormKeepsTheRules() throws {
        let a = try TestServices.makeCompany("Old form A")
        let b = try TestServices.makeCompany("Old form B")
        let tracked = TestServices.uniqueTwitchUserID()
        let creatorA = try TestServices.addCreator(company: a, twitchUserID: tracked, login: "tracked")
        let creatorB = try TestServices.addCreator(company: b, twitchUserID: TestServices.uniqueTwitchUserID(), login: "other")
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        let message = "old-form-\(tracked)"
        func row(_ index: Int, company: String, creator: String, data: String) -> String {
            #"{"i":\#(index),"k":"\#(company)","c":"\#(creator)","m":"\#(message)","t":"channel.follow","v":"2","b":"\#(tracked)","#
                + #""o":"2026-01-01T00:00:00Z","d":\#(data),"s":"webhook","u":["\#(tracked)"],"p":{"n":\#(index)}}"#
        }
        let batch = "[" + [row(0, company: b, creator: creatorB, data: "{}"), row(1, company: a, creator: creatorA, data: #"{"x":1}"#)]
            .joined(separator: ",") + "]"
        let stored = try app.query("SELECT * FROM store_events($1::jsonb)", [batch]).rows
        #expect(stored.map { $0["company_id"] } == [a])
        #expect(stored.first?["data_text"] == #"{"x": 1}"#)
        #expect(try TestServices.superuserQuery("SELECT payload::text AS p FROM events WHERE twitch_message_id = $1", [message])
            .rows.map { $0["p"] } == [#"{"n": 1}"#])
        #expect(try app.query("SELECT count(*) AS n FROM store_events('[]'::jsonb)").first?.requireInt64("n") == 0)
    }

    @Test func parametersAreNeverSQL() throws {
        let app = try PostgresConnection(url: try TestServices.databaseURL())
        let hostile = "'); DROP TABLE events; --"
        #expect(try app.query("SELECT $1::text AS v", [hostile]).first?["v"] == hostile)
        #expect(try app.query("SELECT $1::text[] AS v", [PostgresArray.literal([hostile, "a\"b\\c"])]).first?["v"] != nil)
        #expect(throws: PostgresError.self) { try app.withTenantScope(companyId: "not-a-uuid') OR true --") {} }
    }
}
