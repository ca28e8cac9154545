import EventSub
import Postgres

/// Seeds a shape's companies and creators quickly but through the schema's own rules: as the
/// owner role (no BYPASSRLS), each company's rows under its own tenant scope (RLS checks them),
/// one parameterized multi-row INSERT per company, all in one transaction (one fsync).
struct TenantSeeder {
    let adminURL: String

    func seed(_ shape: TrafficShape) throws {
        let connection = try PostgresConnection(url: adminURL)
        let ids = try connection.query("SELECT gen_random_uuid()::text AS id FROM generate_series(1, $1)", [shape.companies])
            .rows.map { try $0.require("id") }
        var creators = [[String]](repeating: [], count: shape.companies)
        for broadcaster in shape.broadcasters {
            for company in broadcaster.companies { creators[company].append(broadcaster.twitchUserID) }
        }
        try connection.withTransaction {
            for (index, id) in ids.enumerated() {
                try connection.setTenant(id)
                try connection.query("INSERT INTO companies (id, name) VALUES ($1, $2)", [id, "Bench Agency \(index + 1)"])
                try connection.query("""
                    INSERT INTO creators (company_id, twitch_user_id, login, display_name)
                    SELECT $1::uuid, u.id, 'bench_' || u.id, 'Bench_' || u.id FROM unnest($2::text[]) AS u(id)
                    """, [id, PostgresArray.literal(creators[index])])
                try Self.linkEveryCreator(of: id, on: connection)
            }
        }
    }

    /// Every creator of `company` has linked their account, as an agency's creators do once
    /// onboarded: follows, subs, cheers and chat reach every tracking agency. The tokens are
    /// placeholders in the sealed format; the benchmarks never call Twitch with them. Runs in the
    /// caller's transaction, in `company`'s tenant scope.
    static func linkEveryCreator(of company: String, on connection: PostgresConnection) throws {
        try connection.query("""
            INSERT INTO creator_links (company_id, creator_id, twitch_user_id, status, authorized_types, access_token, refresh_token)
            SELECT c.company_id, c.id, c.twitch_user_id, 'linked', $2::text[], 'v1.bench.placeholder', 'v1.bench.placeholder'
            FROM creators c WHERE c.company_id = $1::uuid
            """, [company, PostgresArray.literal(EventSubCatalog.authorizationTypes.map(\.name))])
    }
}
