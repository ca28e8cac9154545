import Migrations
import Postgres
import TestSupport
import Testing

/// Migrations 12 and 13 (platforms, issue 17) applied to a database that holds data of the schema
/// before them: creators become Twitch channel rows, stored events and viewer samples become
/// Twitch ones without changing, and the new rules hold for what is written afterwards.
@Suite(.serialized) struct PlatformMigrationTests {
    static let before = Schema.migrations.filter { $0.version < 12 }

    @Test func existingDataMigratesInPlace() async throws {
        try await ConcurrentMigrationTests.withFreshDatabase { adminURL, name in
            let admin = try PostgresConnection(url: adminURL)
            #expect(try Migrator(connection: admin, migrations: Self.before).migrate() == Self.before.map(\.version))
            // Seeded as the superuser of the new database: data of the old schema, in two companies.
            let superuserURL = try ConcurrentMigrationTests.url(try TestServices.superuserURL(), database: name)
            let superuser = try PostgresConnection(url: superuserURL)
            let company = try #require(try superuser.query("INSERT INTO companies (name) VALUES ('Old Agency') RETURNING id").first?["id"])
            let other = try #require(try superuser.query("INSERT INTO companies (name) VALUES ('Other Agency') RETURNING id").first?["id"])
            let creator = try #require(try superuser.query("""
                INSERT INTO creators (company_id, twitch_user_id, login, display_name) VALUES ($1, '1001', 'oldtimer', 'Old Timer') RETURNING id
                """, [company]).first?["id"])
            _ = try superuser.query("INSERT INTO creators (company_id, twitch_user_id, login, display_name) VALUES ($1, '1001', 'oldtimer', 'Old Timer')", [other])
            let event = try #require(try superuser.query("""
                INSERT INTO events (company_id, creator_id, twitch_message_id, subscription_type, subscription_version, broadcaster_user_id,
                                    occurred_at, data, payload)
                VALUES ($1, $2, 'm-1', 'channel.follow', '2', '1001', '2026-01-02T03:04:05Z', '{"user":{"login":"fan"}}', '{}')
                RETURNING id
                """, [company, creator]).first?["id"])
            _ = try superuser.query("INSERT INTO viewer_samples (company_id, creator_id, sampled_at, viewer_count) VALUES ($1, $2, now(), 42)",
                                    [company, creator])

            #expect(try Migrator(connection: admin).migrate() == Schema.migrations.filter { $0.version >= 12 }.map(\.version))

            // Every creator is its Twitch channel, in its own company.
            let channels = try superuser.query("""
                SELECT company_id, creator_id, platform, channel_id, handle, display_name, url, live FROM creator_channels ORDER BY company_id = $1 DESC
                """, [company]).rows
            #expect(channels.count == 2)
            #expect(channels.first?["creator_id"] == creator)
            #expect(channels.allSatisfy { $0["platform"] == "twitch" && $0["channel_id"] == "1001" && $0["handle"] == "oldtimer" })
            #expect(channels.allSatisfy { $0["url"] == "https://www.twitch.tv/oldtimer" && $0["live"] == "f" })
            #expect(Set(channels.compactMap { $0["company_id"] }) == [company, other])
            // Stored rows keep their ids and content and are Twitch's.
            let stored = try #require(try superuser.query("SELECT id, platform, data::text AS data FROM events").first)
            #expect(stored["id"] == event && stored["platform"] == "twitch" && stored["data"] == #"{"user": {"login": "fan"}}"#)
            #expect(try superuser.query("SELECT platform FROM viewer_samples").first?["platform"] == "twitch")

            // Afterwards: a creator without Twitch is allowed, half a Twitch identity is not.
            _ = try superuser.query("INSERT INTO creators (company_id, display_name) VALUES ($1, 'YouTube Only')", [company])
            #expect(throws: PostgresError.self) {
                try superuser.query("INSERT INTO creators (company_id, twitch_user_id, display_name) VALUES ($1, '1002', 'Half')", [company])
            }
            // The Twitch row follows the creator's identity.
            _ = try superuser.query("UPDATE creators SET login = 'renamed' WHERE id = $1", [creator])
            #expect(try superuser.query("SELECT handle FROM creator_channels WHERE creator_id = $1", [creator]).first?["handle"] == "renamed")
            _ = try superuser.query("UPDATE creators SET twitch_user_id = '1003' WHERE id = $1", [creator])
            #expect(try superuser.query("SELECT channel_id FROM creator_channels WHERE creator_id = $1", [creator]).rows.map { $0["channel_id"] } == ["1003"])
            // A creator has one sample per platform per minute.
            _ = try superuser.query("""
                INSERT INTO viewer_samples (company_id, creator_id, sampled_at, viewer_count, platform)
                SELECT company_id, creator_id, sampled_at, 7, 'youtube' FROM viewer_samples
                """)
            #expect(try superuser.query("SELECT count(*) AS n FROM viewer_samples").first?.requireInt64("n") == 2)
            // Renewal reads Twitch users only.
            #expect(try superuser.query("SELECT twitch_user_id FROM tracked_twitch_users() ORDER BY 1").rows.map { $0["twitch_user_id"] } == ["1001", "1003"])
        }
    }

    /// `store_events` (migration 13) stores a YouTube row only for a company that added the
    /// channel to the creator named by the row, and returns its platform.
    @Test func storeEventsChecksChannelsForOtherPlatforms() async throws {
        try await ConcurrentMigrationTests.withFreshDatabase { adminURL, name in
            _ = try Migrator(connection: try PostgresConnection(url: adminURL)).migrate()
            let superuser = try PostgresConnection(url: try ConcurrentMigrationTests.url(try TestServices.superuserURL(), database: name))
            let company = try #require(try superuser.query("INSERT INTO companies (name) VALUES ('Tube Agency') RETURNING id").first?["id"])
            let creator = try #require(try superuser.query("INSERT INTO creators (company_id, display_name) VALUES ($1, 'Tuber') RETURNING id",
                                                           [company]).first?["id"])
            let channel = "UC" + String(repeating: "a", count: 22)
            func store(_ messageID: String, channel: String) throws -> [QueryResult.Row] {
                let batch = """
                    [{"i":0,"k":"\(company)","c":"\(creator)","m":"\(messageID)","t":"stream.online","v":"1","b":"\(channel)",\
                    "o":"2026-12-06T10:00:00Z","s":"webhook","d":{"streamId":"v1"},"u":["\(channel)"],"p":{},"pf":"youtube"}]
                    """
                return try superuser.query("SELECT id, platform FROM store_events($1::jsonb)", [batch]).rows
            }
            #expect(try store("youtube:v1:online", channel: channel).isEmpty, "no channel row yet: nothing stored")
            _ = try superuser.query("""
                INSERT INTO creator_channels (company_id, creator_id, platform, channel_id, display_name, url)
                VALUES ($1, $2, 'youtube', $3, 'Tuber', 'https://www.youtube.com/channel/' || $3)
                """, [company, creator, channel])
            #expect(try store("youtube:v1:online", channel: "UC" + String(repeating: "b", count: 22)).isEmpty, "another channel: nothing stored")
            let rows = try store("youtube:v1:online", channel: channel)
            #expect(rows.count == 1 && rows.first?["platform"] == "youtube")
            #expect(try store("youtube:v1:online", channel: channel).isEmpty, "the same key again: stored once")
        }
    }
}
