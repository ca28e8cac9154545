import Migrations
public import Postgres
public import Redis
import Settings

/// The throwaway Postgres and Redis that `local-runner/test` starts for the test run
/// (`ccr-local with-services`), as URLs in the environment.
public enum TestServices {
    public struct Missing: Error, CustomStringConvertible {
        public let description = "CCR_TEST_* variables are not set: run the tests with local-runner/test (it starts Postgres and Redis)"
    }

    private static let environment = Environment()

    /// The app role (NOBYPASSRLS, owns nothing): what functions connect as.
    public static func databaseURL() throws -> String {
        guard let value = environment.optional("CCR_TEST_DATABASE_URL") else { throw Missing() }
        return value
    }

    /// For connections that hold session state across transactions (ingest's stream locks, the
    /// archive's lock): the session-mode pool when the run goes through PgBouncer, else the
    /// app role's URL (`DATABASE_SESSION_URL` in production).
    public static func sessionDatabaseURL() throws -> String {
        if let url = environment.optional("CCR_TEST_DATABASE_SESSION_URL") { return url }
        return try databaseURL()
    }

    /// True when the app role's URL goes through PgBouncer in transaction mode.
    public static var throughPgBouncer: Bool { environment.optional("CCR_TEST_PGBOUNCER") == "1" }

    /// The embedded server's CA certificate (TLS with a certificate for `localhost`), if any.
    public static var postgresRootCertificate: String? { environment.optional("CCR_TEST_PG_ROOT_CERT") }

    /// The owner role (migrations).
    public static func adminURL() throws -> String {
        guard let value = environment.optional("CCR_TEST_DATABASE_ADMIN_URL") else { throw Missing() }
        return value
    }

    /// The cluster's superuser on the application database (test assertions that must see every tenant).
    public static func superuserURL() throws -> String {
        guard let value = environment.optional("CCR_TEST_PG_SUPERUSER_URL") else { throw Missing() }
        guard let slash = value.lastIndex(of: "/") else { return value }
        return String(value[...slash]) + "ccr"
    }

    public static func redisURL() throws -> RedisURL {
        guard let value = environment.optional("CCR_TEST_REDIS_URL") else { throw Missing() }
        return try RedisURL(parsing: value)
    }

    /// A Twitch user id no other test uses (creators are matched across companies by this id).
    public static func uniqueTwitchUserID() -> String {
        String(UInt64.random(in: 100_000_000_000...999_999_999_999))
    }

    /// Creates a company through its own tenant scope (as the owner role, like the operator CLI).
    public static func makeCompany(_ name: String = "Test Agency") throws -> String {
        let connection = try PostgresConnection(url: try adminURL())
        let id = try connection.query("SELECT gen_random_uuid()::text AS id").first!.require("id")
        _ = try connection.withTenantScope(companyId: id) {
            try connection.query("INSERT INTO companies (id, name) VALUES ($1, $2)", [id, name])
        }
        return id
    }

    /// Adds a creator. `linked` (the default) also records that the creator linked their Twitch
    /// account for every authorization-only type, so follows, subs, cheers and chat reach the
    /// company as they would in production after linking; the tokens are unopenable placeholders
    /// in the sealed format (these tests never call Twitch with them).
    public static func addCreator(company: String, twitchUserID: String, login: String = "creator", linked: Bool = true) throws -> String {
        let connection = try PostgresConnection(url: try adminURL())
        return try connection.withTenantScope(companyId: company) {
            let id = try connection.query("INSERT INTO creators (company_id, twitch_user_id, login, display_name) VALUES ($1, $2, $3, $3) RETURNING id",
                                          [company, twitchUserID, login]).first!.require("id")
            if linked { try insertLink(on: connection, company: company, creator: id, twitchUserID: twitchUserID) }
            return id
        }
    }

    /// The authorization-only EventSub types (as `EventSubCatalog.authorizationTypes` names them).
    public static let authorizationTypes = [
        "channel.follow", "channel.subscribe", "channel.subscription.gift", "channel.subscription.message", "channel.cheer",
        "channel.hype_train.begin", "channel.hype_train.end", "channel.chat.message",
    ]

    /// Records a link for a creator in the current tenant scope (see `addCreator`).
    public static func insertLink(on connection: PostgresConnection, company: String, creator: String, twitchUserID: String,
                                  types: [String] = authorizationTypes) throws {
        try connection.query("""
            INSERT INTO creator_links (company_id, creator_id, twitch_user_id, status, scopes, authorized_types, access_token,
                                       refresh_token, access_expires_at, validated_at)
            VALUES ($1, $2, $3, 'linked', '{}', $4::text[], 'v1.seeded.placeholder', 'v1.seeded.placeholder',
                    now() + interval '4 hours', now())
            ON CONFLICT (creator_id) DO UPDATE SET status = 'linked', authorized_types = EXCLUDED.authorized_types,
                access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token
            """, [company, creator, twitchUserID, PostgresArray.literal(types)])
    }

    /// Makes `email` a member of `company` with `role` (creating the user, or changing the role of
    /// an existing membership), like the operator CLI; returns the user id (a token's `sub`).
    @discardableResult
    public static func addMember(company: String, email: String, role: String) throws -> String {
        let connection = try PostgresConnection(url: try adminURL())
        return try connection.withTenantScope(companyId: company) {
            let user = try connection.query("SELECT ensure_user($1)::text AS id", [email]).first!.require("id")
            try connection.query("""
                INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, $3)
                ON CONFLICT (company_id, user_id) DO UPDATE SET role = EXCLUDED.role
                """, [company, user, role])
            return user
        }
    }

    /// Runs a query as the superuser (sees every tenant), for assertions.
    public static func superuserQuery(_ sql: String, _ parameters: [(any PostgresParameter)?] = []) throws -> QueryResult {
        try PostgresConnection(url: try superuserURL()).query(sql, parameters)
    }
}
